package io.gregor.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations as people type them: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 1d}, or
 * ISO {@code PT10S}.
 */
final class Durations {
  private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private Durations() {}

  /**
   * Parses a duration.
   *
   * @throws IllegalArgumentException saying what is allowed
   */
  static Duration parse(String text) {
    var trimmed = text.trim();
    var matcher = SHORT.matcher(trimmed.toLowerCase(Locale.ROOT));
    if (matcher.matches()) {
      long amount = Long.parseLong(matcher.group(1));
      return switch (matcher.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        case "d" -> Duration.ofDays(amount);
        default -> throw new IllegalStateException("unreachable: " + matcher.group(2));
      };
    }
    try {
      return Duration.parse(trimmed);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration (e.g. 500ms, 10s, 5m, 2h, 1d, PT10S)");
    }
  }

  /** A short human form: {@code 10 s}, {@code 500 ms}, {@code 2 min}. */
  static String format(Duration duration) {
    if (duration.toMillis() < 1000 || duration.toMillis() % 1000 != 0) {
      return duration.toMillis() + " ms";
    }
    long seconds = duration.toSeconds();
    if (seconds >= 60 && seconds % 60 == 0) {
      return seconds / 60 + " min";
    }
    return seconds + " s";
  }

  /** For picocli options of type {@link Duration}. */
  static final class Converter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
