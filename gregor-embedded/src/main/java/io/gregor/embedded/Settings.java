package io.gregor.embedded;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What the builders of {@link EmbeddedKafka} and {@link EmbeddedKafkaCluster} collect. Each {@code
 * with...} method validates its argument and returns a copy.
 *
 * @param port the (first) broker's port, 0 for an ephemeral one
 * @param dataDir a directory kept after close, or {@code null} for a temporary one
 * @param numPartitions the partitions of auto-created topics
 * @param brokerConfig extra broker settings, applied last
 * @param verbose Kafka's loggers at INFO instead of WARN
 * @param saslPlain the users of a client listener that requires SASL/PLAIN, or {@code null} for a
 *     plaintext client listener
 */
record Settings(
    int port,
    Path dataDir,
    int numPartitions,
    Map<String, String> brokerConfig,
    boolean verbose,
    SaslPlain saslPlain) {

  /** Settings that Gregor derives from the node layout; overriding them would break the node. */
  static final Set<String> RESERVED =
      Set.of(
          "node.id",
          "broker.id",
          "process.roles",
          "listeners",
          "advertised.listeners",
          "listener.security.protocol.map",
          "inter.broker.listener.name",
          "controller.listener.names",
          "controller.quorum.voters",
          "controller.quorum.bootstrap.servers",
          "log.dir",
          "log.dirs",
          "metadata.log.dir");

  static final Settings DEFAULTS = new Settings(0, null, 1, Map.of(), false, null);

  Settings {
    brokerConfig = Map.copyOf(brokerConfig);
  }

  Settings withPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 (any free port) to 65535, was " + port);
    }
    return new Settings(port, dataDir, numPartitions, brokerConfig, verbose, saslPlain);
  }

  Settings withDataDir(Path dataDir) {
    if (dataDir == null) {
      throw new IllegalArgumentException("dataDir must not be null");
    }
    return new Settings(port, dataDir, numPartitions, brokerConfig, verbose, saslPlain);
  }

  Settings withNumPartitions(int numPartitions) {
    if (numPartitions < 1) {
      throw new IllegalArgumentException("numPartitions must be at least 1, was " + numPartitions);
    }
    return new Settings(port, dataDir, numPartitions, brokerConfig, verbose, saslPlain);
  }

  Settings withBrokerConfig(String key, String value) {
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException("broker config key must not be blank");
    }
    if (value == null) {
      throw new IllegalArgumentException("broker config " + key + " must not be null");
    }
    if (RESERVED.contains(key)) {
      throw new IllegalArgumentException(
          "broker config "
              + key
              + " is set by the embedded broker from its layout; use port(...) or dataDir(...)");
    }
    var copy = new LinkedHashMap<>(brokerConfig);
    copy.put(key, value);
    return new Settings(port, dataDir, numPartitions, copy, verbose, saslPlain);
  }

  Settings withVerbose(boolean verbose) {
    return new Settings(port, dataDir, numPartitions, brokerConfig, verbose, saslPlain);
  }

  /**
   * @throws IllegalArgumentException when {@code users} is null or empty, or a name or password is
   *     not allowed (see {@link SaslPlain})
   */
  Settings withSaslPlain(Map<String, String> users) {
    return new Settings(port, dataDir, numPartitions, brokerConfig, verbose, new SaslPlain(users));
  }
}
