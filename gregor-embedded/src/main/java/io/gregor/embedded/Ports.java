package io.gregor.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Arrays;

/** Finds free ports on the loopback address and tells whether a given one is free. */
final class Ports {
  private Ports() {}

  /**
   * A port that was free a moment ago. The kernel picks it; another process may still take it
   * before the broker binds it, so callers retry on a bind failure.
   */
  static int free() {
    try (var socket = new ServerSocket(0, 1, loopback())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + NodeSpec.HOST, e);
    }
  }

  /** A free port, as {@link #free()}, that is none of {@code taken}. */
  static int freeExcept(int... taken) {
    while (true) {
      int port = free();
      if (Arrays.stream(taken).noneMatch(t -> t == port)) {
        return port;
      }
    }
  }

  /**
   * Fails with a one-line message when {@code port} cannot be bound on the loopback address.
   *
   * @throws EmbeddedKafkaException naming the port
   */
  static void requireFree(int port) {
    try (var socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(loopback(), port), 1);
    } catch (BindException e) {
      throw inUse(port);
    } catch (IOException e) {
      throw new EmbeddedKafkaException(
          "cannot listen on " + NodeSpec.HOST + ":" + port + ": " + e.getMessage(), e);
    }
  }

  static EmbeddedKafkaException inUse(int port) {
    return new EmbeddedKafkaException(
        "port " + port + " is already in use on " + NodeSpec.HOST + "; choose another port");
  }

  /** Whether {@code failure} (or one of its causes) is a failure to bind a listening socket. */
  static boolean isBindFailure(Throwable failure) {
    for (var t = failure; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return true;
      }
    }
    return false;
  }

  private static InetAddress loopback() throws IOException {
    return InetAddress.getByName(NodeSpec.HOST);
  }
}
