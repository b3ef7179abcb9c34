package io.gregor;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** Checks shared by producer and consumer settings. */
final class Settings {
  private Settings() {}

  static Set<EventType> withEof(Set<EventType> policy) {
    EnumSet<EventType> copy = EnumSet.noneOf(EventType.class);
    if (policy != null) {
      copy.addAll(policy);
    }
    copy.add(EventType.EOF);
    return Set.copyOf(copy);
  }

  static Set<EventType> policy(EventType... types) {
    EnumSet<EventType> set = EnumSet.noneOf(EventType.class);
    for (EventType type : types) {
      set.add(java.util.Objects.requireNonNull(type, "output policy entry"));
    }
    return set;
  }

  static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  static void requireBootstrap(Map<String, Object> kafka, String client) {
    Object servers = kafka.get("bootstrap.servers");
    require(
        servers != null && !servers.toString().isBlank(),
        client
            + " setting 'kafka' must contain 'bootstrap.servers' (host:port[,host:port...]),"
            + " was "
            + (servers == null ? "missing" : "blank"));
  }

  static void rejectKafkaKeys(Map<String, Object> kafka, String client, Map<String, String> keys) {
    keys.forEach(
        (kafkaKey, setting) ->
            require(
                !kafka.containsKey(kafkaKey),
                client
                    + " setting 'kafka' must not contain '"
                    + kafkaKey
                    + "': Gregor serializes and deserializes itself; use the '"
                    + setting
                    + "' setting"));
  }

  static void requireAtLeast(String client, String name, int value, int min) {
    require(
        value >= min,
        client + " setting '" + name + "' must be at least " + min + ", was " + value);
  }

  static void requirePositive(String client, String name, Duration value) {
    require(
        value != null && value.isPositive(),
        client + " setting '" + name + "' must be a positive duration, was " + value);
  }
}
