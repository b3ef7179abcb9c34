package io.gregor.faults;

import io.gregor.faults.Entry.Acknowledged;
import io.gregor.faults.Entry.Consumed;
import io.gregor.faults.Entry.Produced;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Read stalls partition by partition. The checker's {@link Report#longestReadStall()} counts any
 * progress as progress, so a partition left without an owner while the others are read does not
 * show there; here each partition's ids are judged alone (the checker's measure on the history of
 * that partition's ids), which is the stall a reader of that partition sees.
 */
final class PartitionStalls {
  private PartitionStalls() {}

  /** The longest read stall of each partition an id was acknowledged in. */
  static Map<Integer, Duration> of(History history) {
    Map<String, Integer> partitionOf = new HashMap<>();
    for (Acknowledged ack : history.all(Acknowledged.class)) {
      partitionOf.put(ack.id(), ack.partition());
    }
    Map<Integer, List<Entry>> byPartition = new TreeMap<>();
    for (Entry entry : history.entries()) {
      String id =
          switch (entry) {
            case Produced produced -> produced.id();
            case Consumed consumed -> consumed.id();
            default -> null;
          };
      Integer partition = id == null ? null : partitionOf.get(id);
      if (partition != null) {
        byPartition.computeIfAbsent(partition, p -> new ArrayList<>()).add(entry);
      }
    }
    Map<Integer, Duration> stalls = new TreeMap<>();
    byPartition.forEach(
        (partition, entries) ->
            stalls.put(partition, HistoryChecker.check(new History(entries)).longestReadStall()));
    return stalls;
  }

  /** The longest of {@code stalls}, or zero. */
  static Duration longest(Map<Integer, Duration> stalls) {
    return stalls.values().stream().max(Duration::compareTo).orElse(Duration.ZERO);
  }
}
