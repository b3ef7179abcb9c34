package io.gregor.embedded;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The users of a client listener that accepts SASL/SCRAM-SHA-512, and the JAAS configuration text
 * that clients need for it. The broker keeps SCRAM credentials in its metadata, not in its
 * configuration: the deployment creates them with Kafka's admin API before {@code start()} returns.
 * User names and passwords follow {@link SaslPlain}'s rules, for the same reason.
 *
 * @param users user name to password
 */
record SaslScram(Map<String, String> users) {
  static final String MECHANISM = "SCRAM-SHA-512";

  /** What the broker's listener needs: the login module, without users. */
  static final String BROKER_JAAS_CONFIG =
      "org.apache.kafka.common.security.scram.ScramLoginModule required;";

  /** Kafka's minimum for SCRAM-SHA-512, which is also what its own tools use. */
  static final int ITERATIONS = 4096;

  /**
   * @throws IllegalArgumentException when {@code users} is null or empty, or a user name or
   *     password is not allowed
   */
  SaslScram {
    if (users == null || users.isEmpty()) {
      throw new IllegalArgumentException("saslScram needs at least one user and password");
    }
    var copy = new LinkedHashMap<String, String>();
    users.forEach(
        (user, password) -> {
          SaslPlain.requireUser(user);
          SaslPlain.requirePassword(user, password);
          copy.put(user, password);
        });
    users = Map.copyOf(copy);
  }

  /**
   * What a client sets to authenticate as {@code user} with {@code password}, but for {@code
   * security.protocol}: {@code sasl.mechanism} and {@code sasl.jaas.config}. The user need not be
   * one of {@link #users()}.
   *
   * @throws IllegalArgumentException when the user name or password is not allowed
   */
  static Map<String, String> clientConfig(String user, String password) {
    SaslPlain.requireUser(user);
    SaslPlain.requirePassword(user, password);
    return Map.of(
        "sasl.mechanism",
        MECHANISM,
        "sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required username="
            + SaslPlain.quoted(user)
            + " password="
            + SaslPlain.quoted(password)
            + ";");
  }

  @Override
  public String toString() {
    return "SaslScram[users=" + users.keySet() + "]"; // never the passwords
  }
}
