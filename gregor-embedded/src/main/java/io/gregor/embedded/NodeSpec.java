package io.gregor.embedded;

import io.gregor.embedded.internal.InternalPrincipalBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * One Kafka node of an embedded deployment: its id, what it does, where it listens and where it
 * keeps its data. {@link #properties} turns it into the node's server configuration.
 *
 * <p>A broker's client listener is {@value #PLAINTEXT_LISTENER}, or {@value #CLIENT_LISTENER} when
 * the settings ask for TLS, SASL or an authorizer (see {@link ClientSecurity}); then a {@value
 * #PLAINTEXT_LISTENER} listener on its own port still carries inter-broker traffic and the
 * deployment's admin client, so that neither needs credentials. Controllers always listen on
 * {@value #CONTROLLER_LISTENER}, in plaintext.
 *
 * @param nodeId the KRaft node id
 * @param role broker, controller or both
 * @param brokerPort the client listener's port (unused for a controller)
 * @param internalPort the plaintext listener's port when clients have a listener of their own, else
 *     0
 * @param controllerPort the controller listener's port (unused for a broker)
 * @param dir the node's own directory: its configuration file and its log directory
 */
record NodeSpec(
    int nodeId, Role role, int brokerPort, int internalPort, int controllerPort, Path dir) {

  static final String HOST = "127.0.0.1";
  static final String PLAINTEXT_LISTENER = "PLAINTEXT";
  static final String CLIENT_LISTENER = "CLIENT";
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
   * @param certificate the client listener's TLS certificate, or {@code null} without TLS
   */
  Properties properties(
      String voters,
      int brokers,
      Settings settings,
      CertificateAuthority.ServerCertificate certificate) {
    int replicas = Math.min(3, brokers);
    int minIsr = Math.min(2, brokers);
    var security = settings.security();
    var props = new Properties();
    props.setProperty("node.id", Integer.toString(nodeId));
    props.setProperty("process.roles", role.processRoles);
    props.setProperty("listeners", String.join(",", listeners()));
    props.setProperty(
        "listener.security.protocol.map",
        (separateClientListener() ? CLIENT_LISTENER + ":" + security.protocol() + "," : "")
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
      if (separateClientListener()) {
        clientListener(props, security, certificate);
      }
    }
    if (security.authorizer()) {
      // The broker's own listeners are a super user; clients are what their credentials say.
      for (var listener : List.of(PLAINTEXT_LISTENER, CONTROLLER_LISTENER)) {
        props.setProperty(
            listenerPrefix(listener) + "principal.builder.class",
            InternalPrincipalBuilder.class.getName());
      }
      props.setProperty("authorizer.class.name", ClientSecurity.AUTHORIZER);
      props.setProperty("super.users", security.superUsersConfig());
      props.setProperty("allow.everyone.if.no.acl.found", "false");
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

  /** The client listener's TLS and SASL settings. */
  private static void clientListener(
      Properties props,
      ClientSecurity security,
      CertificateAuthority.ServerCertificate certificate) {
    var prefix = listenerPrefix(CLIENT_LISTENER);
    if (security.sasl()) {
      props.setProperty("sasl.enabled.mechanisms", String.join(",", security.mechanisms()));
      props.setProperty(
          prefix + "sasl.enabled.mechanisms", String.join(",", security.mechanisms()));
    }
    if (security.saslPlain() != null) {
      props.setProperty(prefix + "plain.sasl.jaas.config", security.saslPlain().brokerJaasConfig());
    }
    if (security.saslScram() != null) {
      props.setProperty(
          prefix + SaslScram.MECHANISM.toLowerCase(Locale.ROOT) + ".sasl.jaas.config",
          SaslScram.BROKER_JAAS_CONFIG);
    }
    if (security.tls()) {
      props.setProperty(prefix + "ssl.keystore.type", "PEM");
      props.setProperty(prefix + "ssl.keystore.certificate.chain", certificate.chainPem());
      props.setProperty(prefix + "ssl.keystore.key", certificate.keyPem());
      props.setProperty(prefix + "ssl.client.auth", "none");
    }
  }

  private static String listenerPrefix(String listener) {
    return "listener.name." + listener.toLowerCase(Locale.ROOT) + ".";
  }

  /** Whether clients have a listener of their own (the deployment gave an internal port). */
  private boolean separateClientListener() {
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

  /** The client listener, and the internal plaintext one if clients have their own. */
  private List<String> brokerListeners() {
    if (!separateClientListener()) {
      return List.of(PLAINTEXT_LISTENER + "://" + address());
    }
    return List.of(
        CLIENT_LISTENER + "://" + address(), PLAINTEXT_LISTENER + "://" + internalAddress());
  }
}
