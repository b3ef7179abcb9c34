package io.gregor.embedded;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * How a broker's client listener protects itself: TLS, SASL mechanisms, an authorizer. When any is
 * on, clients get a listener of their own and the broker's own traffic (inter-broker requests, the
 * deployment's admin client) keeps a plaintext listener on another port, whose principal is the
 * super user {@value #INTERNAL_PRINCIPAL}.
 *
 * @param tls whether the client listener uses TLS, with a certificate signed by a CA generated at
 *     start
 * @param saslPlain SASL/PLAIN users, or {@code null}
 * @param saslScram SASL/SCRAM-SHA-512 users, or {@code null}
 * @param superUsers with an authorizer, the SASL users allowed everything; {@code null} for no
 *     authorizer
 */
record ClientSecurity(
    boolean tls, SaslPlain saslPlain, SaslScram saslScram, Set<String> superUsers) {

  static final ClientSecurity NONE = new ClientSecurity(false, null, null, null);

  /** The principal of the broker's own listeners; a super user when there is an authorizer. */
  static final String INTERNAL_PRINCIPAL = "User:gregor-embedded";

  static final String AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

  ClientSecurity {
    superUsers = superUsers == null ? null : Set.copyOf(superUsers);
  }

  ClientSecurity withTls() {
    return new ClientSecurity(true, saslPlain, saslScram, superUsers);
  }

  ClientSecurity withSaslPlain(SaslPlain users) {
    return new ClientSecurity(tls, users, saslScram, superUsers);
  }

  ClientSecurity withSaslScram(SaslScram users) {
    return new ClientSecurity(tls, saslPlain, users, superUsers);
  }

  ClientSecurity withAuthorizer(Set<String> superUsers) {
    return new ClientSecurity(tls, saslPlain, saslScram, superUsers);
  }

  boolean sasl() {
    return saslPlain != null || saslScram != null;
  }

  boolean authorizer() {
    return superUsers != null;
  }

  /** Whether clients get a listener apart from the broker's own plaintext one. */
  boolean separateClientListener() {
    return tls || sasl() || authorizer();
  }

  /** The client listener's {@code security.protocol}. */
  String protocol() {
    if (sasl()) {
      return tls ? "SASL_SSL" : "SASL_PLAINTEXT";
    }
    return tls ? "SSL" : "PLAINTEXT";
  }

  /** The SASL mechanisms the client listener accepts, in Kafka's spelling. */
  List<String> mechanisms() {
    var mechanisms = new ArrayList<String>();
    if (saslPlain != null) {
      mechanisms.add(SaslPlain.MECHANISM);
    }
    if (saslScram != null) {
      mechanisms.add(SaslScram.MECHANISM);
    }
    return mechanisms;
  }

  /** Kafka's {@code super.users}: the internal principal and the named SASL users. */
  String superUsersConfig() {
    var all = new TreeSet<String>();
    all.add(INTERNAL_PRINCIPAL);
    superUsers.forEach(user -> all.add("User:" + user));
    return String.join(";", all);
  }
}
