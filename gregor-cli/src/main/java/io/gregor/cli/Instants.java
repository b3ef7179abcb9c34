package io.gregor.cli;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Points in time as people type them: an ISO-8601 instant or epoch milliseconds. */
final class Instants {
  private Instants() {}

  /**
   * Parses {@code 2025-01-31T12:00:00Z} or {@code 1738324800000}.
   *
   * @throws IllegalArgumentException saying what is allowed
   */
  static Instant parse(String text) {
    var trimmed = text.trim();
    try {
      if (trimmed.matches("\\d{1,18}")) {
        return Instant.ofEpochMilli(Long.parseLong(trimmed));
      }
      return Instant.parse(trimmed);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "must be an ISO-8601 instant (2025-01-31T12:00:00Z) or epoch milliseconds, was '"
              + text
              + "'");
    }
  }
}
