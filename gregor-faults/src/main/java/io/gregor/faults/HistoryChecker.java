package io.gregor.faults;

import io.gregor.faults.Entry.Acknowledged;
import io.gregor.faults.Entry.Consumed;
import io.gregor.faults.Entry.Failed;
import io.gregor.faults.Entry.Produced;
import io.gregor.faults.Report.OutOfOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Judges a {@link History}: loss, duplicates, order within a key and stalls.
 *
 * <p>Order is judged against production order: the order in which the {@link Produced} entries were
 * recorded (one producing thread, so the order it sent them). For each consumer session and key, an
 * id read for the first time in that session after an id of the same key produced later is out of
 * order. A second read of an id in the same session (after a rebalance or a seek back) is a
 * redelivery, not a reordering.
 *
 * <p>A stall is a gap in progress while something was pending. For reads: between two ids read for
 * the first time (by any session), the time during which some produced id that was eventually read
 * had not been read yet; lost ids do not count, since {@link Report#lost()} reports them. For
 * outcomes likewise, between acknowledgements or failures, while some produced id had no outcome.
 */
public final class HistoryChecker {
  private HistoryChecker() {}

  /** The report on {@code history}. */
  public static Report check(History history) {
    Map<String, Produced> produced = new LinkedHashMap<>();
    for (Produced entry : history.all(Produced.class)) {
      produced.putIfAbsent(entry.id(), entry);
    }
    Map<String, Integer> rank = new HashMap<>();
    for (String id : produced.keySet()) {
      rank.put(id, rank.size());
    }
    List<Acknowledged> acks = history.all(Acknowledged.class);
    List<Failed> failures = history.all(Failed.class);
    List<Consumed> reads = history.all(Consumed.class);

    Set<String> acknowledged = new HashSet<>();
    Map<String, Set<String>> coordinates = new HashMap<>();
    Map<String, Integer> outcomes = new HashMap<>();
    Map<String, Duration> firstOutcome = new HashMap<>();
    Set<String> unknown = new TreeSet<>();
    for (Acknowledged ack : acks) {
      acknowledged.add(ack.id());
      coordinates
          .computeIfAbsent(ack.id(), id -> new HashSet<>())
          .add(ack.partition() + "@" + ack.offset());
      outcome(ack.id(), ack.at(), outcomes, firstOutcome);
      if (!produced.containsKey(ack.id())) {
        unknown.add(ack.id());
      }
    }
    Set<String> failed = new HashSet<>();
    for (Failed failure : failures) {
      failed.add(failure.id());
      outcome(failure.id(), failure.at(), outcomes, firstOutcome);
    }

    Map<String, Integer> readCount = new HashMap<>();
    Map<String, Duration> firstRead = new HashMap<>();
    for (Consumed read : reads) {
      readCount.merge(read.id(), 1, Integer::sum);
      firstRead.merge(read.id(), read.at(), (a, b) -> a.compareTo(b) <= 0 ? a : b);
      coordinates
          .computeIfAbsent(read.id(), id -> new HashSet<>())
          .add(read.partition() + "@" + read.offset());
      if (!produced.containsKey(read.id())) {
        unknown.add(read.id());
      }
    }

    return new Report(
        produced.size(),
        acknowledged.size(),
        failed.size(),
        readCount.size(),
        sorted(acknowledged, id -> !readCount.containsKey(id)),
        sorted(readCount.keySet(), id -> readCount.get(id) > 1),
        sorted(coordinates.keySet(), id -> coordinates.get(id).size() > 1),
        outOfOrder(reads, produced, rank),
        sorted(produced.keySet(), id -> !outcomes.containsKey(id)),
        sorted(outcomes.keySet(), id -> outcomes.get(id) > 1),
        sorted(failed, readCount::containsKey),
        List.copyOf(unknown),
        longestStall(produced, firstRead),
        longestStall(produced, firstOutcome));
  }

  private static void outcome(
      String id, Duration at, Map<String, Integer> outcomes, Map<String, Duration> first) {
    outcomes.merge(id, 1, Integer::sum);
    first.merge(id, at, (a, b) -> a.compareTo(b) <= 0 ? a : b);
  }

  private static List<String> sorted(
      Set<String> ids, java.util.function.Predicate<String> matching) {
    return ids.stream().filter(matching).sorted().toList();
  }

  private static List<OutOfOrder> outOfOrder(
      List<Consumed> reads, Map<String, Produced> produced, Map<String, Integer> rank) {
    record SessionKey(String consumer, String key) {}
    Map<SessionKey, String> latest = new HashMap<>();
    Map<String, Set<String>> seen = new HashMap<>();
    List<OutOfOrder> found = new ArrayList<>();
    for (Consumed read : reads) {
      Integer position = rank.get(read.id());
      if (position == null
          || !seen.computeIfAbsent(read.consumer(), c -> new HashSet<>()).add(read.id())) {
        continue; // unknown ids are reported apart; a second read is a redelivery
      }
      String key = produced.get(read.id()).key();
      var session = new SessionKey(read.consumer(), String.valueOf(key));
      String before = latest.get(session);
      if (before != null && rank.get(before) > position) {
        found.add(new OutOfOrder(read.consumer(), key, read.id(), before));
      } else {
        latest.put(session, read.id());
      }
    }
    return found;
  }

  /**
   * The longest gap between progress events ({@code done}: each id's first read or outcome) during
   * which an id that is eventually done had been produced and was not done yet.
   */
  private static Duration longestStall(Map<String, Produced> produced, Map<String, Duration> done) {
    record Span(Duration produced, Duration done) {}
    List<Span> spans = new ArrayList<>();
    done.forEach(
        (id, at) -> {
          Produced entry = produced.get(id);
          if (entry != null) {
            spans.add(new Span(entry.at(), at));
          }
        });
    if (spans.isEmpty()) {
      return Duration.ZERO;
    }
    spans.sort(Comparator.comparing(Span::done));
    // earliestPending[i]: the earliest production among the ids done at or after spans[i]
    Duration[] earliestPending = new Duration[spans.size()];
    Duration earliest = spans.getLast().produced();
    for (int i = spans.size() - 1; i >= 0; i--) {
      earliest = min(earliest, spans.get(i).produced());
      earliestPending[i] = earliest;
    }
    Duration longest = Duration.ZERO;
    for (int i = 0; i < spans.size(); i++) {
      Duration since =
          i == 0 ? earliestPending[0] : max(spans.get(i - 1).done(), earliestPending[i]);
      Duration gap = spans.get(i).done().minus(since);
      longest = max(longest, gap);
    }
    return longest;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
