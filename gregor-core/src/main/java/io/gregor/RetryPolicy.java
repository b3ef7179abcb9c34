package io.gregor;

import java.time.Duration;
import java.util.Objects;

/**
 * What happens to a record whose processing failed (a handler of {@link Consumer#process} threw, or
 * the application called {@link Consumer#reject}): it is tried again after a backoff that doubles
 * from {@code backoff} up to {@code maxBackoff}, at most {@code maxAttempts} times in all; then it
 * goes to {@code deadLetterTopic}, or, when that is {@code null}, becomes an {@link
 * ErrorKind#PROCESSING_FAILED} error event. Either way it then counts as acknowledged, so commits
 * go past it; a dead letter only once Kafka has acknowledged it.
 *
 * <p>A dead letter is the original record, byte for byte (key, value, headers), with these headers
 * added: {@code gregor.dlt.topic}, {@code gregor.dlt.partition}, {@code gregor.dlt.offset}, {@code
 * gregor.dlt.exception} (the class), {@code gregor.dlt.message} and {@code gregor.dlt.attempts}. It
 * is written by a Kafka producer the consumer makes from its own connection settings ({@code
 * bootstrap.servers}, security) with {@code acks=all}.
 *
 * @param maxAttempts tries in all, the first included (1: no retry)
 * @param backoff the wait before the second try
 * @param maxBackoff the longest wait between tries
 * @param deadLetterTopic where records go after the last try, or {@code null} for an error event
 */
public record RetryPolicy(
    int maxAttempts, Duration backoff, Duration maxBackoff, String deadLetterTopic) {

  /** Default {@link #maxAttempts()}. */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  /** Default {@link #backoff()}. */
  public static final Duration DEFAULT_BACKOFF = Duration.ofMillis(100);

  /** Default {@link #maxBackoff()}. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);

  public RetryPolicy {
    Objects.requireNonNull(backoff, "backoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
  }

  /** Three tries, 100 ms then 200 ms apart, then an error event. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(DEFAULT_MAX_ATTEMPTS, DEFAULT_BACKOFF, DEFAULT_MAX_BACKOFF, null);
  }

  /** This policy with {@code attempts} tries in all and this first backoff. */
  public RetryPolicy withAttempts(int attempts, Duration firstBackoff) {
    return new RetryPolicy(attempts, firstBackoff, maxBackoff, deadLetterTopic);
  }

  /** This policy sending records that failed every try to {@code topic}. */
  public RetryPolicy withDeadLetterTopic(String topic) {
    Objects.requireNonNull(topic, "topic");
    return new RetryPolicy(maxAttempts, backoff, maxBackoff, topic);
  }

  /** The wait after try number {@code attempt} (1-based) failed. */
  public Duration backoffAfter(int attempt) {
    long millis = backoff.toMillis();
    for (int i = 1; i < attempt && millis < maxBackoff.toMillis(); i++) {
      millis *= 2;
    }
    return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
  }

  void validate() {
    Settings.requireAtLeast("retries", "maxAttempts", maxAttempts, 1);
    Settings.require(
        !backoff.isNegative(), "retries setting 'backoff' must not be negative, was " + backoff);
    Settings.require(
        maxBackoff.compareTo(backoff) >= 0,
        "retries setting 'maxBackoff' must be at least 'backoff', was " + maxBackoff);
    Settings.require(
        deadLetterTopic == null || !deadLetterTopic.isBlank(),
        "retries setting 'deadLetterTopic' must not be blank");
  }
}
