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
 * @param security how the client listener protects itself: TLS, SASL users, an authorizer
 */
record Settings(
    int port,
    Path dataDir,
    int numPartitions,
    Map<String, String> brokerConfig,
    boolean verbose,
    ClientSecurity security) {

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

  static final Settings DEFAULTS = new Settings(0, null, 1, Map.of(), false, ClientSecurity.NONE);

  Settings {
    brokerConfig = Map.copyOf(brokerConfig);
  }

  Settings withPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 (any free port) to 65535, was " + port);
    }
    return new Settings(port, dataDir, numPartitions, brokerConfig, verbose, security);
  }

  Settings withDataDir(Path dataDir) {
    if (dataDir == null) {
      throw new IllegalArgumentException("dataDir must not be null");
    }
    return new Settings(port, dataDir, numPartitions, brokerConfig, verbose, security);
  }

  Settings withNumPartitions(int numPartitions) {
    if (numPartitions < 1) {
      throw new IllegalArgumentException("numPartitions must be at least 1, was " + numPartitions);
    }
    return new Settings(port, dataDir, numPartitions, brokerConfig, verbose, security);
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
    return new Settings(port, dataDir, numPartitions, copy, verbose, security);
  }

  Settings withVerbose(boolean verbose) {
    return new Settings(port, dataDir, numPartitions, brokerConfig, verbose, security);
  }

  /**
   * @throws IllegalArgumentException when {@code users} is null or empty, or a name or password is
   *     not allowed (see {@link SaslPlain})
   */
  Settings withSaslPlain(Map<String, String> users) {
    return withSecurity(security.withSaslPlain(new SaslPlain(users)));
  }

  /**
   * @throws IllegalArgumentException when {@code users} is null or empty, or a name or password is
   *     not allowed (see {@link SaslPlain})
   */
  Settings withSaslScram(Map<String, String> users) {
    return withSecurity(security.withSaslScram(new SaslScram(users)));
  }

  Settings withTls() {
    return withSecurity(security.withTls());
  }

  /**
   * @throws IllegalArgumentException when a super user's name is not a valid SASL user name
   */
  Settings withAuthorizer(String... superUsers) {
    if (superUsers == null) {
      throw new IllegalArgumentException("superUsers must not be null");
    }
    for (var user : superUsers) {
      SaslPlain.requireUser(user);
    }
    return withSecurity(security.withAuthorizer(Set.copyOf(java.util.Arrays.asList(superUsers))));
  }

  private Settings withSecurity(ClientSecurity security) {
    return new Settings(port, dataDir, numPartitions, brokerConfig, verbose, security);
  }
}
