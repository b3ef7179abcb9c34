package io.gregor.faults;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What a {@link History} says, as counts and the ids behind them (sorted, so that a failing run
 * names its evidence).
 *
 * @param produced distinct ids handed to the producer
 * @param acknowledged distinct ids Kafka acknowledged
 * @param failed distinct ids the producer reported as not sent
 * @param consumed distinct ids read by any consumer
 * @param lost acknowledged, never consumed
 * @param redelivered consumed more than once (by one consumer session or several)
 * @param writtenTwice in the log at two different partition/offset coordinates
 * @param outOfOrder read by a consumer session after a later id of the same key
 * @param unresolved produced, with neither an acknowledgement nor a failure
 * @param multipleOutcomes more than one acknowledgement or failure
 * @param failedButConsumed reported as not sent, yet read (Kafka wrote it after all)
 * @param unknown acknowledged or consumed, never produced
 * @param longestReadStall the longest time no new id was read while some produced id that was
 *     eventually read had not been yet
 * @param longestAckStall the longest time no outcome arrived while some produced id was waiting for
 *     its outcome
 */
public record Report(
    int produced,
    int acknowledged,
    int failed,
    int consumed,
    List<String> lost,
    List<String> redelivered,
    List<String> writtenTwice,
    List<OutOfOrder> outOfOrder,
    List<String> unresolved,
    List<String> multipleOutcomes,
    List<String> failedButConsumed,
    List<String> unknown,
    Duration longestReadStall,
    Duration longestAckStall) {

  /** How many ids a {@link #toString()} lists per category before it only counts. */
  private static final int SHOWN = 10;

  public Report {
    lost = List.copyOf(lost);
    redelivered = List.copyOf(redelivered);
    writtenTwice = List.copyOf(writtenTwice);
    outOfOrder = List.copyOf(outOfOrder);
    unresolved = List.copyOf(unresolved);
    multipleOutcomes = List.copyOf(multipleOutcomes);
    failedButConsumed = List.copyOf(failedButConsumed);
    unknown = List.copyOf(unknown);
    Objects.requireNonNull(longestReadStall, "longestReadStall");
    Objects.requireNonNull(longestAckStall, "longestAckStall");
  }

  /**
   * A consumer session read {@code id} after {@code after}, which was produced later with the same
   * key.
   */
  public record OutOfOrder(String consumer, String key, String id, String after) {
    @Override
    public String toString() {
      return consumer + ": " + id + " after " + after + " (key " + key + ")";
    }
  }

  /** The header of the results table that {@link #markdownRow} writes rows of. */
  public static String markdownHeader() {
    return """
        | scenario | records | acknowledged | failed | lost | duplicated (read / written) \
        | out of order | longest stall (read / ack) | time |
        |---|---:|---:|---:|---:|---:|---:|---:|---:|
        """;
  }

  /** This report as one row of the results table, for a scenario that took {@code time}. */
  public String markdownRow(String scenario, Duration time) {
    return "| %s | %d | %d | %d | %d | %d / %d | %d | %s / %s | %s |%n"
        .formatted(
            scenario,
            produced,
            acknowledged,
            failed,
            lost.size(),
            redelivered.size(),
            writtenTwice.size(),
            outOfOrder.size(),
            seconds(longestReadStall),
            seconds(longestAckStall),
            seconds(time));
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }

  @Override
  public String toString() {
    return "produced "
        + produced
        + ", acknowledged "
        + acknowledged
        + ", failed "
        + failed
        + ", consumed "
        + consumed
        + "; lost "
        + shown(lost)
        + ", redelivered "
        + shown(redelivered)
        + ", written twice "
        + shown(writtenTwice)
        + ", out of order "
        + shown(outOfOrder)
        + ", unresolved "
        + shown(unresolved)
        + ", multiple outcomes "
        + shown(multipleOutcomes)
        + ", failed but consumed "
        + shown(failedButConsumed)
        + ", unknown "
        + shown(unknown)
        + "; longest stall: read "
        + seconds(longestReadStall)
        + ", ack "
        + seconds(longestAckStall);
  }

  private static String shown(List<?> items) {
    if (items.isEmpty()) {
      return "0";
    }
    var head = items.size() > SHOWN ? items.subList(0, SHOWN) + "..." : items.toString();
    return items.size() + " " + head;
  }
}
