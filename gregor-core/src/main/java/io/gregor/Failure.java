package io.gregor;

import java.util.Objects;

/**
 * What went wrong, as data: the kind, a message for humans, the cause (may be {@code null}), and
 * what it concerns.
 *
 * <p>{@code subject} is the message or input that failed (producer), the {@link Coordinates} of a
 * consumed record, the {@link Operation} that failed, the topic name or {@link
 * org.apache.kafka.common.TopicPartition} of an {@link ErrorKind#UNKNOWN_TOPIC} notice, or {@code
 * null} when nothing more specific applies.
 */
public record Failure(ErrorKind kind, String message, Throwable cause, Object subject) {
  public Failure {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(message, "message");
  }

  /** Where a consumed record sits in Kafka. */
  public record Coordinates(String topic, int partition, long offset) {
    @Override
    public String toString() {
      return topic + "-" + partition + "@" + offset;
    }
  }
}
