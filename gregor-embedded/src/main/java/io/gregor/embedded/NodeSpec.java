package io.gregor.embedded;

import java.nio.file.Path;
import java.util.Properties;

/**
 * One Kafka node of an embedded deployment: its id, what it does, where it listens and where it
 * keeps its data. {@link #properties} turns it into the node's server configuration.
 *
 * @param nodeId the KRaft node id
 * @param role broker, controller or both
 * @param brokerPort the client listener's port (unused for a controller)
 * @param controllerPort the controller listener's port (unused for a broker)
 * @param dir the node's own directory: its configuration file and its log directory
 */
record NodeSpec(int nodeId, Role role, int brokerPort, int controllerPort, Path dir) {

  static final String HOST = "127.0.0.1";
  static final String CLIENT_LISTENER = "PLAINTEXT";
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

  String address() {
    return HOST + ":" + brokerPort;
  }

  NodeSpec withPorts(int brokerPort, int controllerPort) {
    return new NodeSpec(nodeId, role, brokerPort, controllerPort, dir);
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
    props.setProperty("listeners", listeners());
    props.setProperty(
        "listener.security.protocol.map",
        CLIENT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    props.setProperty("controller.listener.names", CONTROLLER_LISTENER);
    props.setProperty("controller.quorum.voters", voters);
    props.setProperty("log.dirs", logDir().toString());
    if (role.isBroker()) {
      props.setProperty("advertised.listeners", CLIENT_LISTENER + "://" + address());
      props.setProperty("inter.broker.listener.name", CLIENT_LISTENER);
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

  private String listeners() {
    var client = CLIENT_LISTENER + "://" + HOST + ":" + brokerPort;
    var controller = CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort;
    return switch (role) {
      case COMBINED -> client + "," + controller;
      case BROKER -> client;
      case CONTROLLER -> controller;
    };
  }
}
