package io.gregor.embedded;

import java.nio.file.Path;
import java.util.Map;

/**
 * A real Apache Kafka cluster in this JVM: N brokers and one dedicated KRaft controller, all on
 * 127.0.0.1. For replication and failover tests: stop a broker, watch leadership move, restart it
 * and watch it rejoin the in-sync replicas.
 *
 * <pre>{@code
 * try (var cluster = EmbeddedKafkaCluster.start(3)) {
 *   cluster.createTopic("orders", 3, 3, Map.of("min.insync.replicas", "2"));
 *   // produce with acks=all to cluster.bootstrapServers() ...
 *   cluster.stopBroker(0);
 *   // ... still writable and readable
 *   cluster.restartBroker(0);
 * }
 * }</pre>
 *
 * <p>Broker {@code i} (0-based) has node id {@code i} and keeps its port across restarts. The
 * controller is a separate node so that stopping any broker leaves the quorum intact (with three
 * combined broker+controller nodes, the remaining two hang when one stops). Internal topics and
 * auto-created topics get replication factor {@code min(3, brokers)} and internal topics min ISR
 * {@code min(2, brokers)}. Starting three brokers takes about 3–4 s. Thread-safe.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {
  private final Deployment deployment;

  private EmbeddedKafkaCluster(Deployment deployment) {
    this.deployment = deployment;
  }

  /**
   * Starts {@code brokers} brokers and a controller on ephemeral ports in a temporary directory.
   *
   * @throws IllegalArgumentException when {@code brokers} is less than 1
   * @throws EmbeddedKafkaException when the cluster cannot start
   */
  public static EmbeddedKafkaCluster start(int brokers) {
    return builder().brokers(brokers).start();
  }

  /** A builder for a cluster with other settings than {@link #start(int)}'s. */
  public static Builder builder() {
    return new Builder();
  }

  /** Where clients connect: every broker's {@code 127.0.0.1:<port>}, comma-separated. */
  public String bootstrapServers() {
    return deployment.bootstrapServers();
  }

  /** The KRaft cluster id. */
  public String clusterId() {
    return deployment.clusterId();
  }

  /** The directory that holds every node's configuration and data. */
  public Path dataDir() {
    return deployment.dataDir();
  }

  /** How many brokers the cluster has, running or stopped. */
  public int brokerCount() {
    return deployment.brokerCount();
  }

  /**
   * The Kafka node id of broker {@code index}, as it appears in partition leaders and ISRs.
   *
   * @throws IndexOutOfBoundsException when there is no such broker
   */
  public int brokerId(int index) {
    if (index < 0 || index >= brokerCount()) {
      throw new IndexOutOfBoundsException(
          "broker index must be 0 to " + (brokerCount() - 1) + ", was " + index);
    }
    return index;
  }

  /**
   * Creates a topic with replication factor {@code min(3, brokers)} and returns when it is usable.
   *
   * @throws EmbeddedKafkaException when Kafka refuses the topic
   * @throws IllegalArgumentException when {@code partitions} is less than 1
   */
  public void createTopic(String name, int partitions) {
    createTopic(name, partitions, Math.min(3, brokerCount()), Map.of());
  }

  /**
   * Creates a topic with topic-level configs (for example {@code min.insync.replicas=2}) and
   * returns when it is usable: every partition has a leader and answers offset requests.
   *
   * @throws EmbeddedKafkaException when Kafka refuses the topic (it exists, or fewer brokers are
   *     running than {@code replicationFactor})
   * @throws IllegalArgumentException when {@code partitions} or {@code replicationFactor} is less
   *     than 1
   */
  public void createTopic(
      String name, int partitions, int replicationFactor, Map<String, String> configs) {
    deployment.createTopic(name, partitions, replicationFactor, configs);
  }

  /**
   * Stops broker {@code index} with a controlled shutdown (its leaderships move first) and waits
   * until it has stopped. Does nothing if it is stopped.
   *
   * @throws IndexOutOfBoundsException when there is no such broker
   */
  public void stopBroker(int index) {
    deployment.stopBroker(index);
  }

  /**
   * Starts broker {@code index} again on its port and data (stopping it first if it runs), and
   * returns when the controller has admitted it. It then catches up and rejoins the ISRs.
   *
   * @throws IndexOutOfBoundsException when there is no such broker
   * @throws EmbeddedKafkaException when the broker cannot start (for example, its port was taken
   *     meanwhile)
   */
  public void restartBroker(int index) {
    deployment.restartBroker(index);
  }

  /**
   * Whether broker {@code index} is running.
   *
   * @throws IndexOutOfBoundsException when there is no such broker
   */
  public boolean isRunning(int index) {
    return deployment.isRunning(index);
  }

  /** Stops every node, brokers first, and deletes the directory if it is temporary. Idempotent. */
  @Override
  public void close() {
    deployment.close();
  }

  @Override
  public String toString() {
    return "EmbeddedKafkaCluster[" + bootstrapServers() + "]";
  }

  /** Settings for {@link EmbeddedKafkaCluster}; each method returns this builder. */
  public static final class Builder {
    private Settings settings = Settings.DEFAULTS;
    private int brokers = 3;

    private Builder() {}

    /**
     * How many brokers (default 3).
     *
     * @throws IllegalArgumentException when {@code brokers} is less than 1
     */
    public Builder brokers(int brokers) {
      if (brokers < 1) {
        throw new IllegalArgumentException("brokers must be at least 1, was " + brokers);
      }
      this.brokers = brokers;
      return this;
    }

    /**
     * The first broker's port; broker {@code i} listens on {@code port + i}. 0 (the default) picks
     * free ports.
     *
     * @throws IllegalArgumentException when {@code port} is not 0 to 65535
     */
    public Builder port(int port) {
      settings = settings.withPort(port);
      return this;
    }

    /**
     * A directory for the cluster's data, kept after {@link #close()} (one subdirectory per node).
     *
     * @throws IllegalArgumentException when {@code dataDir} is null
     */
    public Builder dataDir(Path dataDir) {
      settings = settings.withDataDir(dataDir);
      return this;
    }

    /**
     * The partitions of topics that brokers create automatically (default 1).
     *
     * @throws IllegalArgumentException when {@code numPartitions} is less than 1
     */
    public Builder numPartitions(int numPartitions) {
      settings = settings.withNumPartitions(numPartitions);
      return this;
    }

    /**
     * Any other setting for every node, applied after Gregor's defaults.
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
     * Starts the cluster and returns when every broker serves clients.
     *
     * @throws EmbeddedKafkaException when the cluster cannot start: a port is taken, the data
     *     directory is not writable, or Kafka fails
     */
    public EmbeddedKafkaCluster start() {
      return new EmbeddedKafkaCluster(Deployment.cluster(brokers, settings));
    }
  }
}
