package io.gregor.faults;

/**
 * Short (CI, the default) or long (the durations: {@code -Pfaults-long} or {@code
 * -Dgregor.faults.long=true}) versions of the scenarios.
 */
final class FaultProfile {
  private FaultProfile() {}

  /** Whether this is the long run. */
  static boolean isLong() {
    return Boolean.getBoolean("gregor.faults.long");
  }

  /** {@code shortValue} in the short run, {@code longValue} in the long one. */
  static <T> T pick(T shortValue, T longValue) {
    return isLong() ? longValue : shortValue;
  }

  static String name() {
    return isLong() ? "long" : "short";
  }
}
