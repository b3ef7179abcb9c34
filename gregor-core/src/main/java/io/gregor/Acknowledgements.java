package io.gregor;

import java.time.Duration;
import java.util.Objects;

/**
 * Commit after acknowledgement: the consumer commits a partition only up to its first record the
 * application has not acknowledged, instead of up to what the reader has taken. Set with {@link
 * ConsumerSettings#withAcknowledgements}; records are acknowledged with {@link
 * Consumer#acknowledge}, rejected with {@link Consumer#reject}, or handled by {@link
 * Consumer#process}.
 *
 * <p>A data event whose value is a {@link Received} must be acknowledged; one whose value is
 * something else (a transducer's {@code map} to another type) settles when the reader takes it, as
 * without acknowledgements.
 *
 * @param maxUnacknowledged how many delivered records may wait for their acknowledgement; at this
 *     many the consumer stops fetching (it keeps polling, so it stays in its group), and resumes
 *     once a quarter of them has been acknowledged
 * @param maxUnacknowledgedBytes the same bound in bytes of the records' serialized keys and values
 * @param commitEvery commit once this many records were acknowledged since the last commit, besides
 *     every {@code auto.commit.interval.ms} (commits are automatic unless {@code
 *     enable.auto.commit} is false; then {@link Consumer#commit()} commits what was acknowledged)
 * @param overdueAfter a record unacknowledged for this long gets an {@link
 *     ErrorKind#ACKNOWLEDGEMENT_OVERDUE} error event naming it (once)
 * @param revokeWait how long a revocation (and close, within its timeout) waits for the
 *     acknowledgements of records the reader has taken from the partitions going away, before it
 *     commits what was acknowledged
 * @param retries what a rejected record gets: redelivery, then a dead-letter topic or an error
 */
public record Acknowledgements(
    int maxUnacknowledged,
    long maxUnacknowledgedBytes,
    int commitEvery,
    Duration overdueAfter,
    Duration revokeWait,
    RetryPolicy retries) {

  /** Default {@link #maxUnacknowledged()}. */
  public static final int DEFAULT_MAX_UNACKNOWLEDGED = 10_000;

  /** Default {@link #maxUnacknowledgedBytes()}: 64 MiB. */
  public static final long DEFAULT_MAX_UNACKNOWLEDGED_BYTES = 64L << 20;

  /** Default {@link #commitEvery()}. */
  public static final int DEFAULT_COMMIT_EVERY = 1_000;

  /** Default {@link #overdueAfter()}. */
  public static final Duration DEFAULT_OVERDUE_AFTER = Duration.ofMinutes(5);

  /** Default {@link #revokeWait()}. */
  public static final Duration DEFAULT_REVOKE_WAIT = Duration.ofSeconds(10);

  public Acknowledgements {
    Objects.requireNonNull(overdueAfter, "overdueAfter");
    Objects.requireNonNull(revokeWait, "revokeWait");
    Objects.requireNonNull(retries, "retries");
  }

  /** The defaults, with {@link RetryPolicy#defaults()}. */
  public static Acknowledgements defaults() {
    return new Acknowledgements(
        DEFAULT_MAX_UNACKNOWLEDGED,
        DEFAULT_MAX_UNACKNOWLEDGED_BYTES,
        DEFAULT_COMMIT_EVERY,
        DEFAULT_OVERDUE_AFTER,
        DEFAULT_REVOKE_WAIT,
        RetryPolicy.defaults());
  }

  /** These with another bound on records waiting for acknowledgement. */
  public Acknowledgements withMaxUnacknowledged(int records, long bytes) {
    return new Acknowledgements(records, bytes, commitEvery, overdueAfter, revokeWait, retries);
  }

  /** These committing after this many acknowledgements (and every commit interval). */
  public Acknowledgements withCommitEvery(int acknowledgements) {
    return new Acknowledgements(
        maxUnacknowledged,
        maxUnacknowledgedBytes,
        acknowledgements,
        overdueAfter,
        revokeWait,
        retries);
  }

  /** These reporting records unacknowledged for longer than {@code after}. */
  public Acknowledgements withOverdueAfter(Duration after) {
    return new Acknowledgements(
        maxUnacknowledged, maxUnacknowledgedBytes, commitEvery, after, revokeWait, retries);
  }

  /** These waiting up to {@code wait} for acknowledgements when partitions are revoked. */
  public Acknowledgements withRevokeWait(Duration wait) {
    return new Acknowledgements(
        maxUnacknowledged, maxUnacknowledgedBytes, commitEvery, overdueAfter, wait, retries);
  }

  /** These with another retry policy. */
  public Acknowledgements withRetries(RetryPolicy policy) {
    return new Acknowledgements(
        maxUnacknowledged, maxUnacknowledgedBytes, commitEvery, overdueAfter, revokeWait, policy);
  }

  void validate() {
    Settings.requireAtLeast("acknowledgements", "maxUnacknowledged", maxUnacknowledged, 1);
    Settings.require(
        maxUnacknowledgedBytes >= 1,
        "acknowledgements setting 'maxUnacknowledgedBytes' must be at least 1, was "
            + maxUnacknowledgedBytes);
    Settings.requireAtLeast("acknowledgements", "commitEvery", commitEvery, 1);
    Settings.requirePositive("acknowledgements", "overdueAfter", overdueAfter);
    Settings.require(
        !revokeWait.isNegative(),
        "acknowledgements setting 'revokeWait' must not be negative, was " + revokeWait);
    retries.validate();
  }
}
