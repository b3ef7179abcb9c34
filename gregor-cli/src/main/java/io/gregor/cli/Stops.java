package io.gregor.cli;

import io.gregor.Received;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;

/**
 * Where {@code gregor consume} stops reading each partition: at the end offset the partition had
 * when it was first assigned ({@code --exit-at-end}), or at its first record stamped at or after a
 * time ({@code --until}); the command is done once every assigned partition has stopped.
 *
 * <p>A partition reaches its end when a record at or beyond {@code end - 1} is received (records of
 * a partition arrive in order). A partition that has no such record to come (empty, started at its
 * end, or ending in transaction markers) is found by its position: see {@link #reachedByPosition}.
 */
final class Stops {
  /** What to do with a record received. */
  enum Verdict {
    PRINT,
    /** Its partition was stopped by {@code --until} before. */
    SKIP,
    /** It is the first at or after {@code --until}: not printed; its partition stops here. */
    SKIP_AND_STOP
  }

  private final boolean atEnd;
  private final Instant until;

  /** The end offset of each assigned partition when it was first assigned (with --exit-at-end). */
  private final Map<TopicPartition, Long> ends = new HashMap<>();

  private final Set<TopicPartition> assigned = new HashSet<>();

  /** Partitions whose record at or after {@code --until} came. */
  private final Set<TopicPartition> pastUntil = new HashSet<>();

  /** Partitions that reached the end they had when first assigned. */
  private final Set<TopicPartition> ended = new HashSet<>();

  /** How many idle checks in a row found every partition at its end by position. */
  private int idleChecksAtEnd;

  Stops(boolean atEnd, Instant until) {
    this.atEnd = atEnd;
    this.until = until;
  }

  /** Whether any stop applies (otherwise the command reads until its count or a signal). */
  boolean any() {
    return atEnd || until != null;
  }

  /** Whether partitions are watched for their end offsets. */
  boolean atEnd() {
    return atEnd;
  }

  /**
   * Partitions now assigned; {@code endOffsets} gives the ends of those seen for the first time.
   */
  void assigned(
      Set<TopicPartition> partitions,
      Function<Set<TopicPartition>, Map<TopicPartition, Long>> endOffsets) {
    assigned.addAll(partitions);
    if (atEnd) {
      Set<TopicPartition> fresh = new HashSet<>(partitions);
      fresh.removeAll(ends.keySet());
      if (!fresh.isEmpty()) {
        ends.putAll(endOffsets.apply(fresh));
      }
    }
  }

  /** Partitions taken away (a rebalance): they no longer keep the command running. */
  void revoked(Set<TopicPartition> partitions) {
    assigned.removeAll(partitions);
  }

  /** What to do with a record received; it may stop its partition. */
  Verdict received(Received<?, ?> record) {
    var partition = record.topicPartition();
    if (!stopped(partition)) {
      idleChecksAtEnd = 0; // a record that was still on its way: the checks start again
    }
    if (pastUntil.contains(partition)) {
      return Verdict.SKIP; // nothing after the first record past --until is printed
    }
    if (until != null && !record.timestamp().isBefore(until)) {
      pastUntil.add(partition);
      return Verdict.SKIP_AND_STOP;
    }
    if (atEnd && record.offset() + 1 >= ends.getOrDefault(partition, 0L)) {
      ended.add(partition); // records after the end that arrive meanwhile are printed too
    }
    return Verdict.PRINT;
  }

  /** Whether every assigned partition has stopped (and at least one was assigned). */
  boolean done() {
    return !assigned.isEmpty() && assigned.stream().allMatch(this::stopped);
  }

  /**
   * Called when the output is empty for a moment: checks by position whether the partitions not yet
   * stopped are at their ends, and returns whether the command is done.
   *
   * <p>The consumer's position can be ahead of the records delivered (records polled but still
   * waiting for room in the output), so one check is not enough: the command ends at the third idle
   * moment after two checks in a row found every partition at its end. The second check's answer
   * comes from a later loop iteration than the first's, so whatever was polled before the first had
   * been handed to the output by then (in order), and the third idle moment shows the output empty
   * after it; a record of a partition not yet stopped starts the checks again.
   *
   * @param position a partition's position (the offset of the next record to fetch)
   * @param settling partitions whose position is about to change (a seek not yet answered)
   */
  boolean reachedByPosition(
      Function<TopicPartition, Long> position, Predicate<TopicPartition> settling) {
    if (!atEnd || assigned.isEmpty()) {
      return false;
    }
    if (idleChecksAtEnd >= 2) {
      return true;
    }
    for (TopicPartition partition : assigned) {
      if (stopped(partition)) {
        continue;
      }
      if (settling.test(partition)
          || position.apply(partition) < ends.getOrDefault(partition, 0L)) {
        idleChecksAtEnd = 0;
        return false;
      }
    }
    idleChecksAtEnd++;
    return false;
  }

  private boolean stopped(TopicPartition partition) {
    return pastUntil.contains(partition) || ended.contains(partition);
  }

  /** Whether the last idle check found every partition at its end (look at the output again). */
  boolean checkAgain() {
    return idleChecksAtEnd > 0;
  }
}
