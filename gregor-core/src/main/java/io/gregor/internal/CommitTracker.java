package io.gregor.internal;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which offsets a commit may take: never one past a record with an output the reader has not yet
 * taken from the output channel. Owned by the poll loop's thread; no Kafka inside, so it is
 * unit-tested alone.
 *
 * <p>Every event handed to the output has a sequence number (the first is 1), and the output counts
 * what readers take. After the pipeline has handled a record, the tracker learns the sequence
 * number of the last event made so far ({@link #handled}): once the reader has taken that event,
 * every output of the record has been taken, and so has every output of the records before it. A
 * record that made nothing therefore counts once everything before it does.
 *
 * <p>That holds when the transducer pushes a record's outputs while it takes the record (no
 * transducer, or a {@link PerRecord} one). Any other gatherer may hold records back and emit their
 * outputs later (a window, {@code mapConcurrent}), and which output comes from which record cannot
 * be seen from outside. So with such a gatherer ({@code holding}) a record only settles when the
 * gatherer has finished ({@link #transducerFinished}): then every output exists, and the records it
 * took count once the last of them has been taken. A record the gatherer refused (it stopped early)
 * is not counted.
 */
final class CommitTracker {
  private final boolean holding;
  private final Markers markers = new Markers();

  /** Per partition, what a commit may take: offsets whose outputs the reader has taken. */
  private final Map<TopicPartition, OffsetAndMetadata> received = new HashMap<>();

  /** What was last committed, so that commits skip partitions with nothing new. */
  private final Map<TopicPartition, Long> committed = new HashMap<>();

  /** With a holding gatherer: per partition, where the records it took end (next offset). */
  private final Map<TopicPartition, long[]> held = new HashMap<>();

  /** With commits after acknowledgement: what still waits for it; otherwise null. */
  private Acknowledger acknowledger;

  /**
   * @param holding whether the transducer may hold records back (see the class comment)
   */
  CommitTracker(boolean holding) {
    this.holding = holding;
  }

  /** From now on, no commit passes a record that waits for its acknowledgement there. */
  void acknowledgeWith(Acknowledger acknowledger) {
    this.acknowledger = acknowledger;
  }

  /**
   * The pipeline has handled the records of {@code partition} up to {@code nextOffset} (exclusive),
   * whose outputs are among the events up to {@code lastSequence}.
   *
   * @param epoch the leader epoch of the last record, or {@link Markers#NO_EPOCH}
   */
  void handled(TopicPartition partition, long nextOffset, int epoch, long lastSequence) {
    if (holding) {
      long[] end = held.computeIfAbsent(partition, p -> new long[2]);
      end[0] = nextOffset;
      end[1] = epoch;
    } else {
      markers.add(lastSequence, partition, nextOffset, epoch);
    }
  }

  /**
   * The pipeline has handled the records {@code records[from, from + count)} of {@code partition},
   * which made the events from {@code firstSequence} on, one each, in order: only without a
   * transducer, so nothing is held back.
   */
  void handledRun(
      TopicPartition partition,
      List<ConsumerRecord<Object, Object>> records,
      int from,
      int count,
      long firstSequence) {
    markers.addRun(firstSequence, partition, records, from, count);
  }

  /** The gatherer has finished; {@code lastSequence} numbers the last event it made. */
  void transducerFinished(long lastSequence) {
    held.forEach((partition, end) -> markers.add(lastSequence, partition, end[0], (int) end[1]));
    held.clear();
  }

  /**
   * Offsets the reader has received (it has taken {@code taken} events in all) and that were not
   * yet committed, for the {@code assigned} partitions.
   */
  Map<TopicPartition, OffsetAndMetadata> uncommitted(long taken, Set<TopicPartition> assigned) {
    if (acknowledger != null) {
      acknowledger.apply(); // acknowledgements made before the commit was asked for count
    }
    markers.collect(taken, received);
    Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
    received.forEach(
        (partition, receivedOffset) -> {
          OffsetAndMetadata offset = acknowledged(partition, receivedOffset);
          Long last = committed.get(partition);
          if (assigned.contains(partition) && (last == null || last != offset.offset())) {
            offsets.put(partition, offset);
          }
        });
    return offsets;
  }

  /** The received offset, or the first record before it still waiting for acknowledgement. */
  private OffsetAndMetadata acknowledged(TopicPartition partition, OffsetAndMetadata received) {
    if (acknowledger == null) {
      return received;
    }
    long waiting = acknowledger.firstWaiting(partition);
    return waiting >= 0 && waiting < received.offset() ? new OffsetAndMetadata(waiting) : received;
  }

  /**
   * Records received (or, with acknowledgements, acknowledged) and not yet committed, over the
   * partitions committed at least once.
   */
  long lag() {
    long lag = 0;
    for (var entry : received.entrySet()) {
      Long last = committed.get(entry.getKey());
      if (last != null) {
        lag += Math.max(0, acknowledged(entry.getKey(), entry.getValue()).offset() - last);
      }
    }
    return lag;
  }

  /** Moves what the reader has taken into the received offsets, keeping the markers few. */
  void collect(long taken) {
    markers.collect(taken, received);
  }

  /** Kafka has committed these offsets. */
  void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
    offsets.forEach((partition, offset) -> committed.put(partition, offset.offset()));
  }

  /**
   * These partitions are gone (revoked, lost, unassigned): outputs of theirs still on the way are
   * delivered, but never committed here.
   */
  void forget(Collection<TopicPartition> partitions) {
    markers.removeAll(partitions);
    received.keySet().removeAll(partitions);
    committed.keySet().removeAll(partitions);
    held.keySet().removeAll(partitions);
    if (acknowledger != null) {
      acknowledger.forget(partitions);
    }
  }

  /**
   * The application moved {@code partition} elsewhere (a seek): outputs from before it that are
   * still on the way are delivered but never committed, and nothing is committed for the partition
   * until an output from the new position has been taken. Records waiting for acknowledgement still
   * hold commits back until they are acknowledged.
   */
  void sought(Collection<TopicPartition> partitions) {
    markers.removeAll(partitions);
    received.keySet().removeAll(partitions);
    held.keySet().removeAll(partitions);
    // Records waiting for acknowledgement keep waiting: a seek back re-delivers some (each new
    // delivery takes its offset's place), a seek forward skips some, and neither acknowledges them.
  }
}
