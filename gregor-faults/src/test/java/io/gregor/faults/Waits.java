package io.gregor.faults;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.awaitility.core.ConditionTimeoutException;

/** Bounded waits on a condition. */
final class Waits {
  private static final Duration POLL = Duration.ofMillis(100);

  private Waits() {}

  /**
   * Waits until {@code condition} holds, at most {@code bound}; whether it held. For waits whose
   * failure the scenario's report explains better than a timeout would (the ids not read).
   */
  static boolean within(Duration bound, BooleanSupplier condition) {
    try {
      await().atMost(bound).pollInterval(POLL).until(condition::getAsBoolean);
      return true;
    } catch (ConditionTimeoutException e) {
      return false;
    }
  }

  /** Waits until {@code condition} holds; fails naming {@code what} after {@code bound}. */
  static void until(String what, Duration bound, BooleanSupplier condition) {
    await(what).atMost(bound).pollInterval(POLL).until(condition::getAsBoolean);
  }
}
