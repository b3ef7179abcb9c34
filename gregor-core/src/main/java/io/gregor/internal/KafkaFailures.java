package io.gregor.internal;

import io.gregor.ErrorKind;
import io.gregor.Failure;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * What Gregor calls the exceptions Kafka throws: the kind of failure (the broker refusing the
 * client is {@link ErrorKind#AUTHORIZATION} or {@link ErrorKind#AUTHENTICATION}, whatever the
 * client was doing), and words for the exceptions whose own say too little. Kafka reports every
 * failed TLS handshake as "SSL handshake failed"; the reason (an untrusted certificate, a host name
 * the certificate does not name) is deep in its causes, so the message says it.
 */
final class KafkaFailures {
  private static final String TLS_HANDSHAKE = "TLS handshake with the broker failed: ";
  private static final int MAX_CAUSES = 32;

  private KafkaFailures() {}

  /** {@code otherwise}, unless the broker refused the client. */
  static ErrorKind kind(Throwable e, ErrorKind otherwise) {
    return switch (e) {
      case AuthorizationException _ -> ErrorKind.AUTHORIZATION;
      case AuthenticationException _ -> ErrorKind.AUTHENTICATION;
      case ProducerFencedException _, InvalidProducerEpochException _ -> ErrorKind.FENCED;
      case null, default -> otherwise;
    };
  }

  /** A send that Kafka failed (or refused to start): about {@code message}. */
  static Failure sendFailed(String what, Throwable e, Object message) {
    return new Failure(kind(e, ErrorKind.SEND_FAILED), what + ": " + describe(e), e, message);
  }

  /** {@code e}'s class and message, or what went wrong in a TLS handshake. */
  static String describe(Throwable e) {
    String tls = tlsHandshake(e);
    return tls != null ? tls : String.valueOf(e);
  }

  /** {@code e}'s message, or what went wrong in a TLS handshake. */
  static String message(Throwable e) {
    String tls = tlsHandshake(e);
    return tls != null ? tls : e.getMessage();
  }

  /** Why a TLS handshake failed, or null when {@code e} is not about one. */
  private static String tlsHandshake(Throwable e) {
    if (!(e instanceof SslAuthenticationException)) {
      return null;
    }
    Throwable root = e;
    String reason = null;
    int depth = 0;
    // The deepest cause that says something wins: it is the most specific (an expired certificate
    // lies under the path validator's failure). Bounded, in case of a cycle of causes.
    for (Throwable cause = e; cause != null && depth < MAX_CAUSES; cause = cause.getCause()) {
      root = cause;
      depth++;
      String said = reason(cause);
      if (said != null) {
        reason = said;
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    String detail = root == e || root.getMessage() == null ? "" : " (" + root.getMessage() + ")";
    return TLS_HANDSHAKE + (reason != null ? reason : "see the cause") + detail;
  }

  private static String reason(Throwable cause) {
    return switch (cause) {
      case CertPathBuilderException _, CertPathValidatorException _ ->
          "the broker's certificate is not trusted: no certificate in the client's truststore"
              + " (ssl.truststore.*) signed it";
      case CertificateExpiredException _, CertificateNotYetValidException _ ->
          "the broker's certificate is not valid now: " + cause.getMessage();
      case java.security.cert.CertificateException c
          when c.getMessage() != null
              && (c.getMessage().contains("subject alternative")
                  || c.getMessage().contains("No name matching")) ->
          "the broker's certificate does not name the host the client connected to"
              + " (ssl.endpoint.identification.algorithm checks it)";
      default -> null;
    };
  }
}
