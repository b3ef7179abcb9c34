package io.gregor.internal;

import java.time.Instant;

/**
 * Records' timestamps as {@link Instant}s, one per millisecond: consecutive records made in the
 * same millisecond (many, at speed) share one, instead of an allocation each. Instants are values,
 * so sharing one changes nothing a reader can rely on. Not thread-safe: its owner serializes access
 * (a run's readers take from it under the output's lock).
 */
final class Timestamps {
  private long millis;
  private Instant instant;

  /** {@code millis} since the epoch as an instant. */
  Instant of(long millis) {
    if (instant == null || millis != this.millis) {
      instant = Instant.ofEpochMilli(millis);
      this.millis = millis;
    }
    return instant;
  }
}
