package io.gregor.faults;

/**
 * The messages a scenario writes: message {@code n} has the unique id {@code id-%06d} as its value
 * and one of {@code keys} keys ({@code key-%02d}), round robin, so that each key's ids spread over
 * the run.
 */
final class Ids {
  private Ids() {}

  static String id(int n) {
    return "id-%06d".formatted(n);
  }

  static String key(int n, int keys) {
    return "key-%02d".formatted(n % keys);
  }
}
