package io.gregor;

import java.util.Map;

/**
 * What a producer or consumer has done so far, read without disturbing it (no call through its
 * loop): for metrics ({@code gregor-micrometer} binds them to Micrometer). Counts are since the
 * client was created; what does not apply to a client is 0.
 *
 * @param eventsMade events made for the output (those the output policy leaves out are not made)
 * @param eventsTaken events a reader has taken from the output
 * @param pausedPartitions consumer: partitions paused now, by backpressure or by the user
 * @param commitLag consumer: records the reader has received (or, with acknowledgements, that were
 *     acknowledged) and that are not yet committed, over the partitions committed at least once
 * @param inFlight producer: messages accepted whose outcome is not yet in the output
 * @param unacknowledged consumer with acknowledgements: records waiting for their acknowledgement
 * @param errors error events made, by kind (also those the output policy leaves out)
 */
public record Statistics(
    long eventsMade,
    long eventsTaken,
    int pausedPartitions,
    long commitLag,
    long inFlight,
    long unacknowledged,
    Map<ErrorKind, Long> errors) {

  public Statistics {
    errors = Map.copyOf(errors);
  }

  /** Events made and not yet taken: in the output channel, or waiting for room in it. */
  public long eventsWaiting() {
    return Math.max(0, eventsMade - eventsTaken);
  }
}
