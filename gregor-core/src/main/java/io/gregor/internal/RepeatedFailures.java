package io.gregor.internal;

/**
 * Keeps a failure that repeats from piling up events nobody reads: a failure like the last one
 * reported is counted instead of reported again while the reader has not taken the last report; the
 * next report says how many were counted. Owned by the poll loop's thread.
 */
final class RepeatedFailures {
  private String last;
  private long lastSequence;
  private int unreported;

  /**
   * Whether to report {@code failure} now, given how many events the reader has taken; when it
   * returns a text, report it (it ends with the count of repeats held back), then call {@link
   * #reported} with the report's sequence number.
   *
   * @return the text to add to the report, or null to hold this one back
   */
  String report(String failure, long taken) {
    boolean same = failure.equals(last);
    if (same && taken < lastSequence) {
      unreported++;
      return null;
    }
    String suffix =
        same && unreported > 0
            ? " (the same failure " + unreported + " more times before this one)"
            : "";
    last = failure;
    unreported = 0;
    return suffix;
  }

  /** The report just made has this sequence number. */
  void reported(long sequence) {
    lastSequence = sequence;
  }
}
