package io.gregor.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Why lines (or records) failed, with repeats cut short: the first {@value #SHOWN} failing for one
 * reason are reported one by one, the rest counted and summarised at the end (a million lines to a
 * partition that does not exist make 11 lines on stderr, not a million). Thread-safe: outcomes and
 * parse errors are reported from different threads.
 */
final class RepeatedReasons {
  static final int SHOWN = 10;

  /** Past this many different reasons, new ones are always shown (their counts are not kept). */
  private static final int TRACKED = 1_000;

  private final Map<String, Long> counts = new LinkedHashMap<>();
  private final String noun;

  /** Reasons for failing things called {@code noun} ("line", "record"). */
  RepeatedReasons(String noun) {
    this.noun = noun;
  }

  /**
   * What to print for the thing at {@code where} ("line 3") failing for {@code reason}: its report,
   * a note, or nothing.
   */
  synchronized String report(String where, String reason) {
    Long count = counts.get(reason);
    if (count == null && counts.size() >= TRACKED) {
      return where + ": " + reason;
    }
    long n = count == null ? 1 : count + 1;
    counts.put(reason, n);
    if (n <= SHOWN) {
      return where + ": " + reason;
    }
    if (n == SHOWN + 1) {
      return "more "
          + noun
          + "s fail with: "
          + reason
          + " (counted, not shown; the total comes at the end)";
    }
    return null;
  }

  /** One line for each reason that had more lines than were shown. */
  synchronized List<String> summary() {
    List<String> lines = new ArrayList<>();
    counts.forEach(
        (reason, n) -> {
          if (n > SHOWN) {
            lines.add(
                (n - SHOWN)
                    + " more "
                    + (n - SHOWN == 1 ? noun : noun + "s")
                    + " (not shown) failed with: "
                    + reason);
          }
        });
    return lines;
  }
}
