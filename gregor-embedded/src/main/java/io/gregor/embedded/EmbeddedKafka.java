package io.gregor.embedded;

import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.utils.internals.AppInfoParser;

/**
 * A real Apache Kafka broker in this JVM: one KRaft node that is both broker and controller,
 * listening on 127.0.0.1. For tests, demos and local development; no Docker, no installation.
 *
 * <pre>{@code
 * try (var kafka = EmbeddedKafka.start()) {
 *   kafka.createTopic("greetings", 3);
 *   var producer = new KafkaProducer<String, String>(Map.of(
 *       "bootstrap.servers", kafka.bootstrapServers(), ...));
 *   ...
 * }
 * }</pre>
 *
 * <p>{@link #start()} returns once the broker serves clients: typically 2–3 s on a laptop, well
 * under a second for further brokers in a warm JVM. By default the broker uses an ephemeral port
 * and a fresh temporary directory that {@link #close()} deletes; {@link #builder()} chooses a port,
 * a data directory kept across restarts, the partitions of auto-created topics and any other broker
 * setting. Kafka's own loggers are set to WARN when Logback is the SLF4J backend (unless the
 * application configured them), INFO with {@link Builder#verbose(boolean)}.
 *
 * <p>{@link Builder#saslPlain(Map)} makes clients authenticate with SASL/PLAIN, for testing how a
 * client handles a wrong password:
 *
 * <pre>{@code
 * try (var kafka = EmbeddedKafka.builder().saslPlain(Map.of("alice", "alice-secret")).start()) {
 *   var config = new HashMap<String, Object>(kafka.clientSaslConfig("alice", "alice-secret"));
 *   config.put("bootstrap.servers", kafka.bootstrapServers());
 *   ...
 * }
 * }</pre>
 *
 * <p>A fatal fault inside the broker does not halt the JVM, as it would in a standalone broker:
 * Kafka logs it and the failing broker thread stops with an exception.
 *
 * <p>The broker runs Kafka's own {@code KafkaRaftServer}, from the {@code kafka_2.13} artifact of
 * the same version as {@code kafka-clients}; the two must match exactly. Thread-safe.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private final Deployment deployment;

  private EmbeddedKafka(Deployment deployment) {
    this.deployment = deployment;
  }

  /**
   * Starts a broker on an ephemeral port in a fresh temporary directory.
   *
   * @throws EmbeddedKafkaException when the broker cannot start
   */
  public static EmbeddedKafka start() {
    return builder().start();
  }

  /** A builder for a broker with other settings than {@link #start()}'s. */
  public static Builder builder() {
    return new Builder();
  }

  /** The version of Apache Kafka that runs the broker, for example {@code 4.4.0}. */
  public static String kafkaVersion() {
    return AppInfoParser.getVersion();
  }

  /**
   * Where clients connect: {@code 127.0.0.1:<port>}. With {@link Builder#saslPlain(Map)}, a client
   * there must authenticate: see {@link #clientSaslConfig(String, String)}.
   */
  public String bootstrapServers() {
    return deployment.bootstrapServers();
  }

  /**
   * The client settings that authenticate as {@code user} with {@code password} on a broker started
   * with {@link Builder#saslPlain(Map)}: {@code security.protocol=SASL_PLAINTEXT}, {@code
   * sasl.mechanism=PLAIN} and {@code sasl.jaas.config}. Add {@code bootstrap.servers} and pass them
   * to any Kafka client. The user and password need not be known to the broker: a client with wrong
   * ones fails with Kafka's {@code SaslAuthenticationException}.
   *
   * @throws IllegalStateException when the broker was not started with {@link
   *     Builder#saslPlain(Map)}
   * @throws IllegalArgumentException when the user name or password is not one {@link
   *     Builder#saslPlain(Map)} allows
   */
  public Map<String, String> clientSaslConfig(String user, String password) {
    return deployment.clientSaslConfig(user, password);
  }

  /** The KRaft cluster id, kept in the data directory. */
  public String clusterId() {
    return deployment.clusterId();
  }

  /** The directory that holds the broker's configuration and data. */
  public Path dataDir() {
    return deployment.dataDir();
  }

  /**
   * Creates a topic with replication factor 1 and returns when it is usable: every partition has a
   * leader and answers offset requests, so a producer can start right away. Works with {@link
   * Builder#saslPlain(Map)} too: the broker's own admin client needs no credentials.
   *
   * @throws EmbeddedKafkaException when Kafka refuses the topic (for example, it exists)
   * @throws IllegalArgumentException when {@code partitions} is less than 1
   */
  public void createTopic(String name, int partitions) {
    createTopic(name, partitions, 1, Map.of());
  }

  /**
   * Creates a topic with topic-level configs (for example {@code cleanup.policy=compact}) and
   * returns when it is usable. A single broker holds one replica, so {@code replicationFactor} must
   * be 1 here; it is a parameter so that code can move to {@link EmbeddedKafkaCluster}.
   *
   * @throws EmbeddedKafkaException when Kafka refuses the topic
   * @throws IllegalArgumentException when {@code partitions} or {@code replicationFactor} is less
   *     than 1
   */
  public void createTopic(
      String name, int partitions, int replicationFactor, Map<String, String> configs) {
    deployment.createTopic(name, partitions, replicationFactor, configs);
  }

  /**
   * Stops the broker and deletes its directory if it is temporary. Idempotent.
   *
   * @throws java.io.UncheckedIOException when the temporary directory cannot be deleted
   */
  @Override
  public void close() {
    deployment.close();
  }

  @Override
  public String toString() {
    return "EmbeddedKafka[" + bootstrapServers() + "]";
  }

  /** Settings for {@link EmbeddedKafka}; each method returns this builder. Not thread-safe. */
  public static final class Builder {
    private Settings settings = Settings.DEFAULTS;

    private Builder() {}

    /**
     * The port to listen on; 0 (the default) picks a free one.
     *
     * @throws IllegalArgumentException when {@code port} is not 0 to 65535
     */
    public Builder port(int port) {
      settings = settings.withPort(port);
      return this;
    }

    /**
     * A directory for the broker's data, created when missing and kept after {@link #close()}: a
     * broker started later on the same directory sees the same topics and records. Without it the
     * broker uses a fresh temporary directory that close deletes.
     *
     * @throws IllegalArgumentException when {@code dataDir} is null
     */
    public Builder dataDir(Path dataDir) {
      settings = settings.withDataDir(dataDir);
      return this;
    }

    /**
     * The partitions of topics that the broker creates automatically (default 1).
     *
     * @throws IllegalArgumentException when {@code numPartitions} is less than 1
     */
    public Builder numPartitions(int numPartitions) {
      settings = settings.withNumPartitions(numPartitions);
      return this;
    }

    /**
     * Any other broker setting, applied after Gregor's defaults (for example {@code
     * log.retention.ms}). Listener, node and directory settings follow from the layout and are
     * refused.
     *
     * @throws IllegalArgumentException when the key is blank or reserved, or the value is null
     */
    public Builder brokerConfig(String key, String value) {
      settings = settings.withBrokerConfig(key, value);
      return this;
    }

    /** Kafka's loggers at INFO instead of WARN (default false). */
    public Builder verbose(boolean verbose) {
      settings = settings.withVerbose(verbose);
      return this;
    }

    /**
     * Makes the client listener require SASL/PLAIN, with these users (name to password) and no
     * others; {@link EmbeddedKafka#clientSaslConfig(String, String)} gives a client's settings.
     * Without it (the default) clients connect in plaintext, unauthenticated.
     *
     * <p>For testing authentication, not for security: the broker keeps a plaintext listener on
     * another 127.0.0.1 port for its own traffic (inter-broker requests and {@link
     * EmbeddedKafka#createTopic}), which clients of {@link EmbeddedKafka#bootstrapServers()} never
     * see; and SASL/PLAIN over plaintext sends the password in clear.
     *
     * @param users user name to password; names are letters, digits and {@code . _ @ -}; passwords
     *     are non-empty, without control characters
     * @throws IllegalArgumentException when {@code users} is null or empty, or a name or password
     *     is not allowed
     */
    public Builder saslPlain(Map<String, String> users) {
      settings = settings.withSaslPlain(users);
      return this;
    }

    /**
     * Starts the broker and returns when it serves clients.
     *
     * @throws EmbeddedKafkaException when the broker cannot start: the port is taken, the data
     *     directory is not writable, or Kafka fails
     */
    public EmbeddedKafka start() {
      return new EmbeddedKafka(Deployment.combined(settings));
    }
  }
}
