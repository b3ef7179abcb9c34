package io.gregor.embedded;

import java.io.Serial;

/**
 * An embedded broker or cluster could not do what was asked: start (a port is taken, the data
 * directory is not usable), create a topic, or stop. The message says what and why in one line.
 */
public final class EmbeddedKafkaException extends RuntimeException {
  @Serial private static final long serialVersionUID = 1L;

  EmbeddedKafkaException(String message) {
    super(message);
  }

  EmbeddedKafkaException(String message, Throwable cause) {
    super(message, cause);
  }
}
