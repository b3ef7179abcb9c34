package io.gregor.embedded;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * One Kafka node of an embedded deployment: its id, what it does, where it listens and where it
 * keeps its data. {@link #properties} turns it into the node's server configuration.
 *
 * <p>A broker's client listener is {@value #PLAINTEXT_LISTENER}, or {@value #SASL_LISTENER} when
 * the settings ask for SASL/PLAIN; then a {@value #PLAINTEXT_LISTENER} listener on its own port
 * still carries inter-broker traffic and the deployment's admin client, so that neither needs
 * credentials. Controllers always listen on {@value #CONTROLLER_LISTENER}, in plaintext.
 *
 * @param nodeId the KRaft node id
 * @param role broker, controller or both
 * @param brokerPort the client listener's port (unused for a controller)
 * @param internalPort the plaintext listener's port when the client listener is SASL, else 0
 * @param controllerPort the controller listener's port (unused for a broker)
 * @param dir the node's own directory: its configuration file and its log directory
 */
record NodeSpec(
    int nodeId, Role role, int brokerPort, int internalPort, int controllerPort, Path dir) {

  static final String HOST = "127.0.0.1";
  static final String PLAINTEXT_LISTENER = "PLAINTEXT";
  static final String SASL_LISTENER = "SASL";
  static final String CONTROLLER_LISTENER = "CONTROLLER";

  /** What a node runs. */
  enum Role {
    COMBINED("broker,controller"),
    BROKER("broker"),
    CONTROLLER("controller");

    private final String processRoles;

    Role(String processRoles) {
      this.processRoles = processRoles;
    }

    boolean isBroker() {
      return this != CONTROLLER;
    }

    boolean isController() {
      return this != BROKER;
    }
  }

  Path logDir() {
    return dir.resolve("data");
  }

  Path configFile() {
    return dir.resolve("server.properties");
  }

  /** Where clients connect. */
  String address() {
    return HOST + ":" + brokerPort;
  }

  /** Where the deployment's own admin client connects: always a plaintext listener. */
  String internalAddress() {
    return HOST + ":" + (internalPort == 0 ? brokerPort : internalPort);
  }

  NodeSpec withPorts(int brokerPort, int internalPort, int controllerPort) {
    return new NodeSpec(nodeId, role, brokerPort, internalPort, controllerPort, dir);
  }

  /**
   * The node's server configuration.
   *
   * @param voters the controller quorum, {@code id@host:port,...}
   * @param brokers how many brokers the deployment has (sizes internal topics)
   * @param settings the user's choices; {@link Settings#brokerConfig()} is applied last
   */
  Properties properties(String voters, int brokers, Settings settings) {
    int replicas = Math.min(3, brokers);
    int minIsr = Math.min(2, brokers);
    var props = new Properties();
    props.setProperty("node.id", Integer.toString(nodeId));
    props.setProperty("process.roles", role.processRoles);
    props.setProperty("listeners", String.join(",", listeners()));
    props.setProperty(
        "listener.security.protocol.map",
        (saslClients() ? SASL_LISTENER + ":SASL_PLAINTEXT," : "")
            + PLAINTEXT_LISTENER
            + ":PLAINTEXT,"
            + CONTROLLER_LISTENER
            + ":PLAINTEXT");
    props.setProperty("controller.listener.names", CONTROLLER_LISTENER);
    props.setProperty("controller.quorum.voters", voters);
    props.setProperty("log.dirs", logDir().toString());
    if (role.isBroker()) {
      props.setProperty("advertised.listeners", String.join(",", brokerListeners()));
      props.setProperty("inter.broker.listener.name", PLAINTEXT_LISTENER);
      if (saslClients()) {
        var prefix = "listener.name." + SASL_LISTENER.toLowerCase(Locale.ROOT) + ".";
        props.setProperty("sasl.enabled.mechanisms", SaslPlain.MECHANISM);
        props.setProperty(
            prefix + "plain.sasl.jaas.config", settings.saslPlain().brokerJaasConfig());
      }
    }
    props.setProperty("auto.create.topics.enable", "true");
    if (role.isController()) {
      // Since Kafka 4.x the controller sizes auto-created topics; brokers only warn about these.
      props.setProperty("num.partitions", Integer.toString(settings.numPartitions()));
      props.setProperty("default.replication.factor", Integer.toString(replicas));
    }
    props.setProperty("group.initial.rebalance.delay.ms", "0");
    // A broker that restarts can register again only when its old session has expired
    // (DuplicateBrokerRegistrationException until then): Kafka's 9 s default made a restart slow.
    props.setProperty("broker.heartbeat.interval.ms", "500");
    props.setProperty("broker.session.timeout.ms", "3000");
    // Internal topics with 5 partitions, as in Kafka's own integration tests: the first consumer
    // group or transaction starts in a fraction of the time 50 partitions take.
    props.setProperty("offsets.topic.num.partitions", "5");
    props.setProperty("transaction.state.log.num.partitions", "5");
    props.setProperty("share.coordinator.state.topic.num.partitions", "5");
    props.setProperty("offsets.topic.replication.factor", Integer.toString(replicas));
    props.setProperty("transaction.state.log.replication.factor", Integer.toString(replicas));
    props.setProperty("transaction.state.log.min.isr", Integer.toString(minIsr));
    props.setProperty(
        "share.coordinator.state.topic.replication.factor", Integer.toString(replicas));
    props.setProperty("share.coordinator.state.topic.min.isr", Integer.toString(minIsr));
    settings.brokerConfig().forEach(props::setProperty);
    return props;
  }

  /** Whether clients must authenticate with SASL/PLAIN (the deployment gave an internal port). */
  private boolean saslClients() {
    return role.isBroker() && internalPort != 0;
  }

  private List<String> listeners() {
    var listeners = new ArrayList<String>();
    if (role.isBroker()) {
      listeners.addAll(brokerListeners());
    }
    if (role.isController()) {
      listeners.add(CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
    }
    return listeners;
  }

  /** The client listener, and the internal plaintext one if the client listener is SASL. */
  private List<String> brokerListeners() {
    if (!saslClients()) {
      return List.of(PLAINTEXT_LISTENER + "://" + address());
    }
    return List.of(
        SASL_LISTENER + "://" + address(), PLAINTEXT_LISTENER + "://" + internalAddress());
  }
}
