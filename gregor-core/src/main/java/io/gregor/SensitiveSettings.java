package io.gregor;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Which Kafka settings hold secrets, so that {@code toString()} of the settings can hide their
 * values: the producer's and consumer's settings of type {@link ConfigDef.Type#PASSWORD} (Kafka's
 * own list: {@code sasl.jaas.config}, {@code ssl.keystore.key}, {@code ssl.key.password}, the store
 * passwords, ...), and any other key whose name suggests one (a password, secret, JAAS
 * configuration, credential, token, key material, user info), which covers plugins' settings that
 * Kafka does not know.
 */
final class SensitiveSettings {
  /** What a hidden value shows, as Kafka's own {@code Password.toString()}. */
  static final String HIDDEN = "[hidden]";

  private static final Set<String> PASSWORD_TYPED =
      Stream.of(ProducerConfig.configDef(), ConsumerConfig.configDef())
          .flatMap(definition -> definition.configKeys().values().stream())
          .filter(key -> key.type == ConfigDef.Type.PASSWORD)
          .map(key -> key.name)
          .collect(Collectors.toUnmodifiableSet());

  private static final Set<String> SENSITIVE_WORDS =
      Set.of("password", "secret", "jaas", "credential", "token", "user.info", "private");

  private SensitiveSettings() {}

  /** Whether the value of Kafka setting {@code key} may be a secret. */
  static boolean isSensitive(String key) {
    if (PASSWORD_TYPED.contains(key)) {
      return true;
    }
    String name = key.toLowerCase(Locale.ROOT);
    return name.endsWith(".key")
        || name.endsWith("apikey")
        || SENSITIVE_WORDS.stream().anyMatch(name::contains);
  }

  /** {@code kafka} as text, sorted by key, with the values of sensitive keys hidden. */
  static String redacted(Map<String, Object> kafka) {
    var shown = new TreeMap<String, Object>();
    kafka.forEach((key, value) -> shown.put(key, isSensitive(key) ? HIDDEN : value));
    return shown.toString();
  }
}
