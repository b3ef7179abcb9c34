package io.gregor.embedded;

import io.gregor.embedded.KafkaNode.PortTakenException;
import io.gregor.embedded.NodeSpec.Role;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
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
import org.apache.kafka.common.acl.AclBinding;
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
  private final ClientSecurity security;
  private final CertificateAuthority certificateAuthority; // null without TLS
  private TopicAdmin admin;
  private boolean closed;

  private Deployment(
      DataDir dataDir,
      String clusterId,
      KafkaNode controller,
      List<KafkaNode> brokers,
      ClientSecurity security,
      CertificateAuthority certificateAuthority) {
    this.dataDir = dataDir;
    this.clusterId = clusterId;
    this.controller = controller;
    this.brokers = List.copyOf(brokers);
    this.bootstrapServers =
        brokers.stream().map(b -> b.spec().address()).collect(Collectors.joining(","));
    this.internalBootstrapServers =
        brokers.stream().map(b -> b.spec().internalAddress()).collect(Collectors.joining(","));
    this.security = security;
    this.certificateAuthority = certificateAuthority;
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
    var tls = settings.security().tls() ? Tls.generate() : null;
    boolean started = false;
    try {
      var plan = layout.nodes(dataDir.path());
      var clusterId =
          plan.stream()
              .flatMap(spec -> StorageFormat.clusterId(spec.logDir()).stream())
              .findFirst()
              .orElseGet(() -> Uuid.randomUuid().toString());
      for (int attempt = 1; ; attempt++) {
        var deployment = prepare(dataDir, clusterId, plan, settings, tls);
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
      DataDir dataDir, String clusterId, List<NodeSpec> plan, Settings settings, Tls tls) {
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
        if (settings.security().separateClientListener()) {
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
      var node =
          new KafkaNode(
              spec,
              spec.properties(
                  voters, brokerCount, settings, tls == null ? null : tls.serverCertificate()));
      node.prepare(clusterId);
      if (spec.role() == Role.CONTROLLER) {
        controllerNode = node;
      } else {
        brokerNodes.add(node);
      }
    }
    return new Deployment(
        dataDir,
        clusterId,
        controllerNode,
        brokerNodes,
        settings.security(),
        tls == null ? null : tls.authority());
  }

  /** The CA that signs the client listener's certificate, and that certificate. */
  private record Tls(
      CertificateAuthority authority, CertificateAuthority.ServerCertificate serverCertificate) {
    static Tls generate() {
      var authority = CertificateAuthority.generate();
      return new Tls(authority, authority.issueServerCertificate());
    }
  }

  private void startNodes() {
    if (controller != null) {
      controller.start();
    }
    inParallel(brokers, KafkaNode::start);
    if (brokers.size() > 1) {
      admin().awaitBrokers(brokers.size());
    }
    if (security.saslScram() != null) {
      admin().createScramUsers(security.saslScram().users(), SaslScram.ITERATIONS);
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
   * What a client sets to authenticate as {@code user} with SASL/PLAIN on the client listener.
   *
   * @throws IllegalStateException when the client listener does not accept SASL/PLAIN
   */
  Map<String, String> clientSaslConfig(String user, String password) {
    if (security.saslPlain() == null) {
      throw notConfigured("SASL/PLAIN", "saslPlain(users)");
    }
    return clientConfig(SaslPlain.clientConfig(user, password));
  }

  /**
   * What a client sets to authenticate as {@code user} with SASL/SCRAM-SHA-512.
   *
   * @throws IllegalStateException when the client listener does not accept SASL/SCRAM
   */
  Map<String, String> clientScramConfig(String user, String password) {
    if (security.saslScram() == null) {
      throw notConfigured("SASL/SCRAM", "saslScram(users)");
    }
    return clientConfig(SaslScram.clientConfig(user, password));
  }

  /**
   * What a client sets to trust the client listener's certificate.
   *
   * @throws IllegalStateException when the client listener does not use TLS
   */
  Map<String, String> clientTlsConfig() {
    if (certificateAuthority == null) {
      throw notConfigured("TLS", "tls()");
    }
    return clientConfig(Map.of());
  }

  /** {@code sasl} with the client listener's security protocol, and its CA when it uses TLS. */
  private Map<String, String> clientConfig(Map<String, String> sasl) {
    var config = new LinkedHashMap<>(sasl);
    config.put("security.protocol", security.protocol());
    if (certificateAuthority != null) {
      config.put("ssl.truststore.type", "PEM");
      config.put("ssl.truststore.certificates", certificateAuthority.certificatePem());
    }
    return Map.copyOf(config);
  }

  private IllegalStateException notConfigured(String what, String option) {
    return new IllegalStateException(
        "Kafka at "
            + bootstrapServers
            + " has a "
            + switch (security.protocol()) {
              case "SSL" -> "TLS";
              case "SASL_PLAINTEXT" -> "SASL";
              case "SASL_SSL" -> "SASL over TLS";
              default -> "plaintext";
            }
            + " client listener without "
            + what
            + "; start it with "
            + option);
  }

  /** The CA that signed the client listener's certificate, or null without TLS. */
  CertificateAuthority certificateAuthority() {
    return certificateAuthority;
  }

  synchronized void createAcls(Collection<AclBinding> acls) {
    requireOpen();
    admin().createAcls(acls);
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
