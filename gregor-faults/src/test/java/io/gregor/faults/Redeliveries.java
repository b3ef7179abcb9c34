package io.gregor.faults;

import io.gregor.faults.Entry.Consumed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the records read more than once sit among the reads, to tell redeliveries at a hand-over
 * from any others.
 *
 * <p>A <em>stretch</em> is a run of one session's reads of one partition at consecutive offsets (a
 * topic without transactions or compaction has no gaps): one session's ownership of the partition,
 * or a part of it. Commits take a prefix of what a session received, so when a partition changes
 * hands before the last records received were committed, those records are read again by the next
 * owner, which starts at the committed offset. Redelivered reads therefore sit at the edges of a
 * stretch: at its end (the old owner's uncommitted tail) or at its start (the new owner's reading
 * of that tail). A redelivered read in the middle of a stretch, between reads of records read only
 * once, has another cause.
 */
final class Redeliveries {
  private Redeliveries() {}

  /** One session's reads of one partition at consecutive offsets, in order. */
  record Stretch(String consumer, int partition, List<Consumed> reads) {
    long from() {
      return reads.getFirst().offset();
    }

    long to() {
      return reads.getLast().offset();
    }

    @Override
    public String toString() {
      return consumer + " " + partition + "@" + from() + ".." + to();
    }
  }

  /**
   * What the reads say about the ids in {@code redelivered}.
   *
   * @param stretches every stretch
   * @param tails redelivered reads at the end of a stretch
   * @param heads redelivered reads at the start of a stretch (not also counted in {@code tails})
   * @param inside redelivered reads elsewhere: neither at the start nor at the end of a stretch
   */
  record Placement(
      List<Stretch> stretches, List<Consumed> tails, List<Consumed> heads, List<Consumed> inside) {
    /** Stretches that end with redelivered reads: hand-overs before the tail was committed. */
    long handOversWithTail() {
      return stretches.stream()
          .filter(s -> tails.stream().anyMatch(r -> r == s.reads().getLast()))
          .count();
    }
  }

  /** Splits {@code reads} (in the order they happened) into stretches. */
  static List<Stretch> stretches(List<Consumed> reads) {
    record Owner(String consumer, int partition) {}
    Map<Owner, List<Consumed>> open = new HashMap<>();
    List<Stretch> stretches = new ArrayList<>();
    Map<Owner, List<List<Consumed>>> all = new LinkedHashMap<>();
    for (Consumed read : reads) {
      var owner = new Owner(read.consumer(), read.partition());
      List<Consumed> current = open.get(owner);
      if (current == null || current.getLast().offset() + 1 != read.offset()) {
        current = new ArrayList<>();
        open.put(owner, current);
        all.computeIfAbsent(owner, o -> new ArrayList<>()).add(current);
      }
      current.add(read);
    }
    all.forEach(
        (owner, lists) ->
            lists.forEach(
                list -> stretches.add(new Stretch(owner.consumer(), owner.partition(), list))));
    return stretches;
  }

  /** Places the reads of {@code redelivered} ids within the stretches of {@code reads}. */
  static Placement place(List<Consumed> reads, Set<String> redelivered) {
    List<Stretch> stretches = stretches(reads);
    List<Consumed> tails = new ArrayList<>();
    List<Consumed> heads = new ArrayList<>();
    List<Consumed> inside = new ArrayList<>();
    for (Stretch stretch : stretches) {
      List<Consumed> list = stretch.reads();
      int size = list.size();
      int tail = size; // the first index of the redelivered tail
      while (tail > 0 && redelivered.contains(list.get(tail - 1).id())) {
        tail--;
      }
      int head = 0; // the end of the redelivered head (exclusive)
      while (head < tail && redelivered.contains(list.get(head).id())) {
        head++;
      }
      for (int i = 0; i < size; i++) {
        Consumed read = list.get(i);
        if (i >= tail) {
          tails.add(read);
        } else if (i < head) {
          heads.add(read);
        } else if (redelivered.contains(read.id())) {
          inside.add(read);
        }
      }
    }
    return new Placement(stretches, tails, heads, inside);
  }
}
