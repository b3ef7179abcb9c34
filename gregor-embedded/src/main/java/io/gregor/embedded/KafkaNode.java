package io.gregor.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka node in this JVM: Kafka's own {@link KafkaRaftServer}, the class {@code kafka.Kafka}
 * runs, so the node starts, recovers its logs and shuts down exactly as a real one does.
 *
 * <p>Not thread-safe: the owning deployment serialises start and stop.
 */
final class KafkaNode {
  private static final Logger log = LoggerFactory.getLogger(KafkaNode.class);

  private final NodeSpec spec;
  private final Properties properties;
  private KafkaRaftServer server;

  KafkaNode(NodeSpec spec, Properties properties) {
    this.spec = spec;
    this.properties = properties;
  }

  NodeSpec spec() {
    return spec;
  }

  boolean isRunning() {
    return server != null;
  }

  /** Writes the configuration file and formats the log directory unless it is formatted. */
  void prepare(String clusterId) {
    try {
      Files.createDirectories(spec.dir());
      try (OutputStream out = Files.newOutputStream(spec.configFile())) {
        properties.store(out, "Written by Gregor's embedded Kafka on each start");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + spec.configFile(), e);
    }
    StorageFormat.formatIfNeeded(spec.logDir(), spec.configFile(), clusterId);
  }

  /**
   * Starts the node and returns when it serves: for a broker, when the controller has unfenced it.
   *
   * @throws EmbeddedKafkaException when the node cannot start; it is stopped again then
   */
  void start() {
    if (server != null) {
      throw new IllegalStateException("node " + spec.nodeId() + " is running");
    }
    long startNanos = System.nanoTime();
    var candidate = new KafkaRaftServer(KafkaConfig.fromProps(properties, false), Time.SYSTEM);
    try {
      candidate.startup();
    } catch (Throwable failure) {
      // Whatever failed (even an Error), the parts that did start must stop.
      try {
        candidate.shutdown();
        candidate.awaitShutdown();
      } catch (RuntimeException suppressed) {
        failure.addSuppressed(suppressed);
      }
      if (failure instanceof RuntimeException e) {
        if (Ports.isBindFailure(e)) {
          throw new PortTakenException(spec, e);
        }
        throw new EmbeddedKafkaException(
            "Kafka node " + spec.nodeId() + " failed to start: " + e.getMessage(), e);
      }
      throw failure;
    }
    server = candidate;
    log.debug(
        "node {} ({}) started in {} ms",
        spec.nodeId(),
        spec.role(),
        (System.nanoTime() - startNanos) / 1_000_000);
  }

  /** Stops the node (a broker first hands its leaderships over) and waits until it has stopped. */
  void stop() {
    if (server == null) {
      return;
    }
    var stopping = server;
    server = null;
    stopping.shutdown();
    stopping.awaitShutdown();
  }

  /** A node could not bind one of its listeners. */
  static final class PortTakenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PortTakenException(NodeSpec spec, Throwable cause) {
      super(
          "Kafka node " + spec.nodeId() + " could not bind its listeners: " + cause.getMessage(),
          cause);
    }
  }
}
