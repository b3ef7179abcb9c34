package io.gregor.embedded;

import io.gregor.embedded.KafkaNode.PortTakenException;
import io.gregor.embedded.NodeSpec.Role;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running nodes of one {@link EmbeddedKafka} or {@link EmbeddedKafkaCluster}: their data
 * directory, their cluster id and an admin client. Either one combined broker+controller node, or N
 * brokers and one dedicated controller (three combined nodes lose their quorum when one stops).
 *
 * <p>Public methods are synchronised: starting, stopping and closing happen one at a time.
 */
final class Deployment implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Deployment.class);
  private static final int COMBINED_ID = 1;
  private static final int CONTROLLER_ID = 3000;
  private static final int START_ATTEMPTS = 3;

  private final DataDir dataDir;
  private final String clusterId;
  private final KafkaNode controller; // null when the broker is its own controller
  private final List<KafkaNode> brokers;
  private final String bootstrapServers;
  private final String internalBootstrapServers;
  private final SaslPlain saslPlain;
  private TopicAdmin admin;
  private boolean closed;

  private Deployment(
      DataDir dataDir,
      String clusterId,
      KafkaNode controller,
      List<KafkaNode> brokers,
      SaslPlain saslPlain) {
    this.dataDir = dataDir;
    this.clusterId = clusterId;
    this.controller = controller;
    this.brokers = List.copyOf(brokers);
    this.bootstrapServers =
        brokers.stream().map(b -> b.spec().address()).collect(Collectors.joining(","));
    this.internalBootstrapServers =
        brokers.stream().map(b -> b.spec().internalAddress()).collect(Collectors.joining(","));
    this.saslPlain = saslPlain;
  }

  /** Starts one combined broker+controller node. */
  static Deployment combined(Settings settings) {
    return start(
        settings,
        dir -> List.of(new NodeSpec(COMBINED_ID, Role.COMBINED, 0, 0, 0, dir.resolve("kafka"))));
  }

  /** Starts {@code brokers} brokers with node ids 0 to brokers-1, and one controller. */
  static Deployment cluster(int brokers, Settings settings) {
    if (brokers < 1) {
      throw new IllegalArgumentException("brokers must be at least 1, was " + brokers);
    }
    if (settings.port() != 0 && settings.port() + brokers - 1 > 65535) {
      throw new IllegalArgumentException(
          "ports " + settings.port() + " to " + (settings.port() + brokers - 1) + " do not exist");
    }
    return start(
        settings,
        dir ->
            Stream.concat(
                    Stream.of(
                        new NodeSpec(
                            CONTROLLER_ID, Role.CONTROLLER, 0, 0, 0, dir.resolve("controller"))),
                    IntStream.range(0, brokers)
                        .mapToObj(
                            i -> new NodeSpec(i, Role.BROKER, 0, 0, 0, dir.resolve("broker-" + i))))
                .toList());
  }

  private interface Layout {
    /** The nodes, without ports, under the data directory. */
    List<NodeSpec> nodes(Path dataDir);
  }

  private static Deployment start(Settings settings, Layout layout) {
    HaltGuard.install();
    KafkaLogLevels.apply(settings.verbose());
    long startNanos = System.nanoTime();
    var dataDir = DataDir.prepare(settings.dataDir());
    boolean started = false;
    try {
      var plan = layout.nodes(dataDir.path());
      var clusterId =
          plan.stream()
              .flatMap(spec -> StorageFormat.clusterId(spec.logDir()).stream())
              .findFirst()
              .orElseGet(() -> Uuid.randomUuid().toString());
      for (int attempt = 1; ; attempt++) {
        var deployment = prepare(dataDir, clusterId, plan, settings);
        boolean running = false;
        try {
          deployment.startNodes();
          running = true;
        } catch (PortTakenException e) {
          if (attempt == START_ATTEMPTS) {
            throw new EmbeddedKafkaException(e.getMessage(), e);
          }
          log.debug("a port was taken while Kafka started; trying other ports", e);
        } finally {
          if (!running) {
            deployment.abort();
          }
        }
        if (running) {
          log.debug(
              "Kafka at {} started in {} ms",
              deployment.bootstrapServers,
              (System.nanoTime() - startNanos) / 1_000_000);
          started = true;
          return deployment;
        }
      }
    } finally {
      if (!started) {
        dataDir.release();
      }
    }
  }

  /** A deployment of the planned nodes on concrete ports, configured and formatted. */
  private static Deployment prepare(
      DataDir dataDir, String clusterId, List<NodeSpec> plan, Settings settings) {
    var nodes = new ArrayList<NodeSpec>();
    int brokerIndex = 0;
    for (var spec : plan) {
      int brokerPort = 0;
      int internalPort = 0;
      int controllerPort = 0;
      if (spec.role().isBroker()) {
        brokerPort = settings.port() == 0 ? Ports.free() : settings.port() + brokerIndex++;
        if (settings.port() != 0) {
          Ports.requireFree(brokerPort);
        }
        if (settings.saslPlain() != null) {
          internalPort = Ports.freeExcept(brokerPort);
        }
      }
      if (spec.role().isController()) {
        controllerPort = Ports.freeExcept(brokerPort, internalPort);
      }
      nodes.add(spec.withPorts(brokerPort, internalPort, controllerPort));
    }
    var voters =
        nodes.stream()
            .filter(n -> n.role().isController())
            .map(n -> n.nodeId() + "@" + NodeSpec.HOST + ":" + n.controllerPort())
            .collect(Collectors.joining(","));
    int brokerCount = (int) nodes.stream().filter(n -> n.role().isBroker()).count();
    KafkaNode controllerNode = null;
    var brokerNodes = new ArrayList<KafkaNode>();
    for (var spec : nodes) {
      var node = new KafkaNode(spec, spec.properties(voters, brokerCount, settings));
      node.prepare(clusterId);
      if (spec.role() == Role.CONTROLLER) {
        controllerNode = node;
      } else {
        brokerNodes.add(node);
      }
    }
    return new Deployment(dataDir, clusterId, controllerNode, brokerNodes, settings.saslPlain());
  }

  private void startNodes() {
    if (controller != null) {
      controller.start();
    }
    inParallel(brokers, KafkaNode::start);
    if (brokers.size() > 1) {
      admin().awaitBrokers(brokers.size());
    }
  }

  /** Undoes a failed start, keeping the data directory for another attempt. */
  private void abort() {
    try {
      if (admin != null) {
        admin.close();
      }
    } finally {
      stopNodes();
    }
  }

  private void stopNodes() {
    inParallel(brokers, KafkaNode::stop);
    if (controller != null) {
      controller.stop();
    }
  }

  String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * What a client sets to authenticate as {@code user} on the SASL/PLAIN client listener.
   *
   * @throws IllegalStateException when the client listener does not use SASL
   */
  Map<String, String> clientSaslConfig(String user, String password) {
    if (saslPlain == null) {
      throw new IllegalStateException(
          "Kafka at "
              + bootstrapServers
              + " has a plaintext client listener; start it with saslPlain(users) for SASL");
    }
    return SaslPlain.clientConfig(user, password);
  }

  String clusterId() {
    return clusterId;
  }

  Path dataDir() {
    return dataDir.path();
  }

  int brokerCount() {
    return brokers.size();
  }

  synchronized void createTopic(
      String name, int partitions, int replicationFactor, Map<String, String> configs) {
    requireOpen();
    admin().create(name, partitions, replicationFactor, configs);
  }

  synchronized void stopBroker(int index) {
    requireOpen();
    broker(index).stop();
  }

  synchronized void restartBroker(int index) {
    requireOpen();
    var broker = broker(index);
    broker.stop();
    broker.start();
  }

  synchronized boolean isRunning(int index) {
    return !closed && broker(index).isRunning();
  }

  /** Stops every node (brokers first, while the controller can still acknowledge them). */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      abort();
    } finally {
      dataDir.release();
    }
  }

  private KafkaNode broker(int index) {
    if (index < 0 || index >= brokers.size()) {
      throw new IndexOutOfBoundsException(
          "broker index must be 0 to " + (brokers.size() - 1) + ", was " + index);
    }
    return brokers.get(index);
  }

  private TopicAdmin admin() {
    if (admin == null) {
      admin = new TopicAdmin(internalBootstrapServers);
    }
    return admin;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("Kafka at " + bootstrapServers + " is closed");
    }
  }

  /** Runs {@code action} on every node at once and rethrows the first failure. */
  private static void inParallel(List<KafkaNode> nodes, Consumer<KafkaNode> action) {
    if (nodes.size() == 1) {
      action.accept(nodes.getFirst());
      return;
    }
    try (var executor =
        Executors.newThreadPerTaskExecutor(
            Thread.ofPlatform().name("gregor-kafka-", 0).factory())) {
      var futures = new ArrayList<Future<?>>();
      for (var node : nodes) {
        futures.add(
            executor.submit(
                (Callable<Void>)
                    () -> {
                      action.accept(node);
                      return null;
                    }));
      }
      RuntimeException failure = null;
      for (var future : futures) {
        try {
          future.get();
        } catch (ExecutionException e) {
          var cause =
              e.getCause() instanceof RuntimeException r ? r : new RuntimeException(e.getCause());
          if (failure == null) {
            failure = cause;
          } else {
            failure.addSuppressed(cause);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new EmbeddedKafkaException("interrupted", e);
        }
      }
      if (failure != null) {
        throw failure;
      }
    }
  }
}
