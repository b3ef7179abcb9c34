package io.gregor.embedded;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.acl.AclBinding;
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
 * <p>The builder can also secure the client listener, for testing how a client handles a wrong
 * password, an untrusted certificate or a refused topic: {@link Builder#tls()} (a CA and a
 * certificate generated at start), {@link Builder#saslScram(Map)} and {@link
 * Builder#saslPlain(Map)} (users who may authenticate), and {@link Builder#authorizer(String...)}
 * (Kafka's {@code StandardAuthorizer}; add ACLs with {@link #createAcls}). They combine: TLS and
 * SCRAM make a {@code SASL_SSL} listener. The {@code client...Config} methods give a client's
 * settings:
 *
 * <pre>{@code
 * try (var kafka =
 *     EmbeddedKafka.builder().tls().saslScram(Map.of("alice", "alice-secret")).start()) {
 *   var config = new HashMap<String, Object>(kafka.clientScramConfig("alice", "alice-secret"));
 *   config.put("bootstrap.servers", kafka.bootstrapServers());
 *   ...
 * }
 * }</pre>
 *
 * <p>For testing clients, not for security: the broker keeps a plaintext listener on another
 * 127.0.0.1 port for its own traffic (inter-broker requests, {@link #createTopic}, {@link
 * #createAcls}), which clients of {@link #bootstrapServers()} never see.
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
   * Where clients connect: {@code 127.0.0.1:<port>}. When the builder secured the client listener,
   * a client there needs the settings of {@link #clientTlsConfig()}, {@link
   * #clientScramConfig(String, String)} or {@link #clientSaslConfig(String, String)}.
   */
  public String bootstrapServers() {
    return deployment.bootstrapServers();
  }

  /**
   * The client settings that authenticate as {@code user} with {@code password} on a broker started
   * with {@link Builder#saslPlain(Map)}: {@code security.protocol} ({@code SASL_PLAINTEXT}, or
   * {@code SASL_SSL} with {@link Builder#tls()}, then with the settings of {@link
   * #clientTlsConfig()} too), {@code sasl.mechanism=PLAIN} and {@code sasl.jaas.config}. Add {@code
   * bootstrap.servers} and pass them to any Kafka client. The user and password need not be known
   * to the broker: a client with wrong ones fails with Kafka's {@code SaslAuthenticationException}.
   *
   * @throws IllegalStateException when the broker was not started with {@link
   *     Builder#saslPlain(Map)}
   * @throws IllegalArgumentException when the user name or password is not one {@link
   *     Builder#saslPlain(Map)} allows
   */
  public Map<String, String> clientSaslConfig(String user, String password) {
    return deployment.clientSaslConfig(user, password);
  }

  /**
   * The client settings that authenticate as {@code user} with {@code password} on a broker started
   * with {@link Builder#saslScram(Map)}: {@code security.protocol} ({@code SASL_PLAINTEXT}, or
   * {@code SASL_SSL} with {@link Builder#tls()}, then with the settings of {@link
   * #clientTlsConfig()} too), {@code sasl.mechanism=SCRAM-SHA-512} and {@code sasl.jaas.config}.
   * The user and password need not be known to the broker: a client with wrong ones fails with
   * Kafka's {@code SaslAuthenticationException}.
   *
   * @throws IllegalStateException when the broker was not started with {@link
   *     Builder#saslScram(Map)}
   * @throws IllegalArgumentException when the user name or password is not one {@link
   *     Builder#saslScram(Map)} allows
   */
  public Map<String, String> clientScramConfig(String user, String password) {
    return deployment.clientScramConfig(user, password);
  }

  /**
   * The client settings that trust the broker's certificate, on a broker started with {@link
   * Builder#tls()}: {@code security.protocol} ({@code SSL}, or {@code SASL_SSL} when clients must
   * also authenticate, which {@link #clientScramConfig} and {@link #clientSaslConfig} then add),
   * {@code ssl.truststore.type=PEM} and {@code ssl.truststore.certificates}, the generated CA's
   * certificate. Host name verification stays on: the certificate names 127.0.0.1 and localhost. To
   * test a client that does not trust the broker, replace {@code ssl.truststore.certificates} with
   * {@code CertificateAuthority.generate().certificatePem()}.
   *
   * @throws IllegalStateException when the broker was not started with {@link Builder#tls()}
   */
  public Map<String, String> clientTlsConfig() {
    return deployment.clientTlsConfig();
  }

  /**
   * Creates ACLs, through the broker's own super-user connection, and returns when the broker
   * enforces them. For a broker started with {@link Builder#authorizer(String...)} (or with an
   * authorizer configured by {@link Builder#brokerConfig}); principals of SASL users are {@code
   * User:<name>}, of clients that do not authenticate {@code User:ANONYMOUS}.
   *
   * @throws EmbeddedKafkaException when Kafka refuses them, for example when the broker has no
   *     authorizer
   */
  public void createAcls(Collection<AclBinding> acls) {
    deployment.createAcls(List.copyOf(acls));
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
   * leader and answers offset requests, so a producer can start right away. Works on a secured
   * broker too: the broker's own admin client needs no credentials and is a super user.
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
     * Without it (the default) clients connect unauthenticated. Combines with {@link
     * #saslScram(Map)} (the listener then accepts both mechanisms) and {@link #tls()}.
     *
     * <p>For testing authentication, not for security: see {@link EmbeddedKafka}; and SASL/PLAIN
     * without {@link #tls()} sends the password in clear.
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
     * Makes the client listener require SASL/SCRAM-SHA-512, with these users (name to password);
     * {@link EmbeddedKafka#clientScramConfig(String, String)} gives a client's settings. The
     * credentials are created with Kafka's admin API before {@link #start()} returns. Combines with
     * {@link #tls()} (then the listener is {@code SASL_SSL}) and {@link #saslPlain(Map)}.
     *
     * @param users user name to password; names are letters, digits and {@code . _ @ -}; passwords
     *     are non-empty, without control characters
     * @throws IllegalArgumentException when {@code users} is null or empty, or a name or password
     *     is not allowed
     */
    public Builder saslScram(Map<String, String> users) {
      settings = settings.withSaslScram(users);
      return this;
    }

    /**
     * Makes the client listener use TLS (the {@code SSL} protocol, or {@code SASL_SSL} with SASL).
     * At start the broker generates a CA and a certificate for 127.0.0.1 and localhost signed by it
     * (EC P-256, valid for a day, in memory and in the broker's configuration file in its data
     * directory; nothing is shipped); {@link EmbeddedKafka#clientTlsConfig()} gives the settings
     * that trust that CA. Clients do not present certificates ({@code ssl.client.auth=none}).
     */
    public Builder tls() {
      settings = settings.withTls();
      return this;
    }

    /**
     * Runs Kafka's {@code StandardAuthorizer}: clients may do only what ACLs allow ({@code
     * allow.everyone.if.no.acl.found=false}; {@link #brokerConfig} can change it), and {@code
     * superUsers} (SASL user names) everything. The broker's own traffic is a super user too, so
     * {@link EmbeddedKafka#createTopic} and {@link EmbeddedKafka#createAcls} keep working. Add ACLs
     * with {@link EmbeddedKafka#createAcls}.
     *
     * @param superUsers names of users allowed everything, without the {@code User:} prefix
     * @throws IllegalArgumentException when a name is not letters, digits and {@code . _ @ -}
     */
    public Builder authorizer(String... superUsers) {
      settings = settings.withAuthorizer(superUsers);
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
