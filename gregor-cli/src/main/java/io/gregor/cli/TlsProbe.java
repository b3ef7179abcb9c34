package io.gregor.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Tells a port that does not speak TLS from one that does not answer, after a TLS client ({@code
 * security.protocol=SSL} or {@code SASL_SSL}) could not reach Kafka: Kafka's client only times out,
 * which would read as "no broker there" when the broker is there, on a plaintext port.
 *
 * <p>The probe connects to the first bootstrap address and tries a TLS handshake, accepting any
 * certificate: it only asks whether the other side speaks TLS at all, sends no data, and nothing it
 * learns is used for anything else.
 */
final class TlsProbe {
  private TlsProbe() {}

  /** Why TLS failed at the first of {@code bootstrap}'s servers, or empty if it did not. */
  static Optional<String> failure(String bootstrap, Duration timeout) {
    String server = bootstrap.split(",", -1)[0].trim();
    int colon = server.lastIndexOf(':');
    String host = server.substring(0, colon).replace("[", "").replace("]", "");
    int port = Integer.parseInt(server.substring(colon + 1));
    int millis = Math.clamp(timeout.toMillis(), 1, 5_000);
    try (var socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), millis);
      socket.setSoTimeout(millis);
      try (var tls = (SSLSocket) anyCertificate().createSocket(socket, host, port, false)) {
        tls.startHandshake();
        return Optional.empty(); // TLS works there: the trouble is elsewhere
      } catch (SSLException | java.io.EOFException e) {
        return Optional.of(
            "TLS failed at "
                + server
                + ": "
                + Cluster.rootMessage(e)
                + " (security.protocol asks for TLS; is that a plaintext port?)");
      }
    } catch (IOException | GeneralSecurityException e) {
      return Optional.empty(); // nothing answers: the usual message says so
    }
  }

  private static javax.net.ssl.SSLSocketFactory anyCertificate() throws GeneralSecurityException {
    var context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new AnyCertificate()}, null);
    return context.getSocketFactory();
  }

  /** Accepts any certificate: the probe only learns whether the port speaks TLS. */
  private static final class AnyCertificate implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
