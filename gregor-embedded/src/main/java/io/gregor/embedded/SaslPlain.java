package io.gregor.embedded;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The users of a client listener that requires SASL/PLAIN, and the JAAS configuration text that
 * broker and clients need for it.
 *
 * <p>Kafka parses {@code sasl.jaas.config} with a {@link java.io.StreamTokenizer}: an option name
 * is a bare word (no blanks, {@code ; = / " '}), a value a double-quoted string in which {@code \}
 * escapes and a line break ends the string. Names are therefore restricted to a plain alphabet and
 * passwords are quoted and escaped, and may not contain control characters.
 *
 * @param users user name to password, in the caller's order
 */
record SaslPlain(Map<String, String> users) {
  static final String MECHANISM = "PLAIN";
  private static final String LOGIN_MODULE =
      "org.apache.kafka.common.security.plain.PlainLoginModule";
  private static final Pattern USER = Pattern.compile("[A-Za-z0-9._@-]+");

  /**
   * @throws IllegalArgumentException when {@code users} is null or empty, or a user name or
   *     password is not allowed
   */
  SaslPlain {
    if (users == null || users.isEmpty()) {
      throw new IllegalArgumentException("saslPlain needs at least one user and password");
    }
    var copy = new LinkedHashMap<String, String>();
    users.forEach(
        (user, password) -> {
          requireUser(user);
          requirePassword(user, password);
          copy.put(user, password);
        });
    users = Map.copyOf(copy);
  }

  /** The broker's JAAS configuration: one {@code user_<name>="<password>"} option per user. */
  String brokerJaasConfig() {
    var jaas = new StringBuilder(LOGIN_MODULE).append(" required");
    users.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            user ->
                jaas.append(" user_")
                    .append(user.getKey())
                    .append('=')
                    .append(quoted(user.getValue())));
    return jaas.append(';').toString();
  }

  /**
   * What a client sets to authenticate as {@code user} with {@code password} over plaintext: {@code
   * security.protocol}, {@code sasl.mechanism} and {@code sasl.jaas.config}. The user need not be
   * one of {@link #users()} (tests of failed authentication use unknown ones).
   *
   * @throws IllegalArgumentException when the user name or password is not allowed
   */
  static Map<String, String> clientConfig(String user, String password) {
    requireUser(user);
    requirePassword(user, password);
    return Map.of(
        "security.protocol",
        "SASL_PLAINTEXT",
        "sasl.mechanism",
        MECHANISM,
        "sasl.jaas.config",
        LOGIN_MODULE
            + " required username="
            + quoted(user)
            + " password="
            + quoted(password)
            + ";");
  }

  static void requireUser(String user) {
    if (user == null || !USER.matcher(user).matches()) {
      throw new IllegalArgumentException(
          "SASL user name must be letters, digits and . _ @ -, was "
              + (user == null ? "null" : "'" + user + "'"));
    }
  }

  static void requirePassword(String user, String password) {
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException(
          "the password of SASL user " + user + " must not be null or empty");
    }
    if (password.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "the password of SASL user " + user + " must not contain control characters");
    }
  }

  /** A JAAS option value: double-quoted, with {@code \} and {@code "} escaped. */
  static String quoted(String value) {
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  @Override
  public String toString() {
    return "SaslPlain[users=" + users.keySet() + "]"; // never the passwords
  }
}
