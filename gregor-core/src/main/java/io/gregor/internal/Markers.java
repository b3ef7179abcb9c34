package io.gregor.internal;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The poll loop's commit markers, in sequence order: once the reader has taken the event with
 * sequence number {@code s}, partition {@code p} may be committed up to offset {@code o} (with the
 * leader epoch of the record before it, {@code -1} when unknown). A ring of parallel arrays, so
 * that one marker per record costs no allocation on the hot path. Owned by the loop's thread.
 *
 * <p>A run marker ({@link #addRun}) stands for a run of records of one partition whose events are
 * consecutive, one per record: one marker for a poll's records instead of one per record. Once the
 * reader has taken part of the run, the partition may be committed up to the last record taken.
 */
final class Markers {
  /** The epoch of a marker whose record carried none. */
  static final int NO_EPOCH = -1;

  private long[] sequences = new long[1024];
  private long[] offsets = new long[1024];
  private int[] epochs = new int[1024];
  private TopicPartition[] partitions = new TopicPartition[1024];

  /** For a run marker: the run's records (else null), its first record's index, its first event. */
  private Object[] runRecords = new Object[1024];

  private int[] runStarts = new int[1024];
  private long[] runFirsts = new long[1024];
  private int head;
  private int size;

  /**
   * Adds a marker; one with the same sequence and partition as a marker at the tail replaces it
   * (records that made no event of their own add nothing), so markers never outnumber the events
   * not yet taken times the partitions.
   */
  void add(long sequence, TopicPartition partition, long nextOffset, int epoch) {
    int mask = sequences.length - 1;
    // Markers at the tail with this sequence (at most one per partition): update this partition's.
    for (int i = size - 1; i >= 0; i--) {
      int at = (head + i) & mask;
      if (sequences[at] != sequence || runRecords[at] != null) {
        break; // a run marker is never replaced: it stands for the records before this one
      }
      if (partitions[at].equals(partition)) {
        offsets[at] = nextOffset;
        epochs[at] = epoch;
        return;
      }
    }
    append(sequence, partition, nextOffset, epoch);
  }

  /**
   * Adds a run marker: the records {@code records[from, from + count)} of {@code partition} made
   * the events from {@code firstSequence} on, one each, in order.
   */
  void addRun(
      long firstSequence,
      TopicPartition partition,
      List<ConsumerRecord<Object, Object>> records,
      int from,
      int count) {
    ConsumerRecord<Object, Object> last = records.get(from + count - 1);
    int at = append(firstSequence + count - 1, partition, last.offset() + 1, epoch(last));
    runRecords[at] = records;
    runStarts[at] = from;
    runFirsts[at] = firstSequence;
  }

  private int append(long sequence, TopicPartition partition, long nextOffset, int epoch) {
    if (size == sequences.length) {
      grow();
    }
    int at = (head + size) & (sequences.length - 1);
    sequences[at] = sequence;
    partitions[at] = partition;
    offsets[at] = nextOffset;
    epochs[at] = epoch;
    size++;
    return at;
  }

  private static int epoch(ConsumerRecord<?, ?> record) {
    return record.leaderEpoch().orElse(NO_EPOCH);
  }

  /** {@link #add(long, TopicPartition, long, int)} without an epoch. */
  void add(long sequence, TopicPartition partition, long nextOffset) {
    add(sequence, partition, nextOffset, NO_EPOCH);
  }

  /**
   * Moves every marker whose event the reader has taken ({@code sequence <= received}) into {@code
   * receivedOffsets}; the latest wins.
   */
  void collect(long received, Map<TopicPartition, OffsetAndMetadata> receivedOffsets) {
    TopicPartition last = null;
    long lastOffset = 0;
    int lastEpoch = NO_EPOCH;
    while (size > 0 && sequences[head] <= received) {
      TopicPartition partition = partitions[head];
      if (last != null && !last.equals(partition)) {
        receivedOffsets.put(last, offset(lastOffset, lastEpoch));
      }
      last = partition;
      lastOffset = offsets[head];
      lastEpoch = epochs[head];
      partitions[head] = null;
      runRecords[head] = null;
      head = (head + 1) & (sequences.length - 1);
      size--;
    }
    if (last != null) {
      receivedOffsets.put(last, offset(lastOffset, lastEpoch));
    }
    if (size > 0 && runRecords[head] != null && runFirsts[head] <= received) {
      // A run the reader has taken part of: up to its last record taken.
      @SuppressWarnings("unchecked")
      List<ConsumerRecord<?, ?>> records = (List<ConsumerRecord<?, ?>>) runRecords[head];
      ConsumerRecord<?, ?> taken =
          records.get(runStarts[head] + (int) (received - runFirsts[head]));
      receivedOffsets.put(partitions[head], offset(taken.offset() + 1, epoch(taken)));
    }
  }

  private static OffsetAndMetadata offset(long offset, int epoch) {
    return new OffsetAndMetadata(
        offset, epoch == NO_EPOCH ? Optional.empty() : Optional.of(epoch), "");
  }

  /** Drops the markers of these partitions (revoked, lost or unassigned). */
  void removeAll(Collection<TopicPartition> dropped) {
    if (size == 0 || dropped.isEmpty()) {
      return;
    }
    int kept = 0;
    int mask = sequences.length - 1;
    for (int i = 0; i < size; i++) {
      int from = (head + i) & mask;
      if (!dropped.contains(partitions[from])) {
        int to = (head + kept) & mask;
        sequences[to] = sequences[from];
        partitions[to] = partitions[from];
        offsets[to] = offsets[from];
        epochs[to] = epochs[from];
        runRecords[to] = runRecords[from];
        runStarts[to] = runStarts[from];
        runFirsts[to] = runFirsts[from];
        kept++;
      }
    }
    for (int i = kept; i < size; i++) {
      partitions[(head + i) & mask] = null;
      runRecords[(head + i) & mask] = null;
    }
    size = kept;
  }

  int size() {
    return size;
  }

  private void grow() {
    int capacity = sequences.length * 2;
    long[] newSequences = new long[capacity];
    long[] newOffsets = new long[capacity];
    int[] newEpochs = new int[capacity];
    TopicPartition[] newPartitions = new TopicPartition[capacity];
    Object[] newRunRecords = new Object[capacity];
    int[] newRunStarts = new int[capacity];
    long[] newRunFirsts = new long[capacity];
    for (int i = 0; i < size; i++) {
      int from = (head + i) & (sequences.length - 1);
      newSequences[i] = sequences[from];
      newOffsets[i] = offsets[from];
      newEpochs[i] = epochs[from];
      newPartitions[i] = partitions[from];
      newRunRecords[i] = runRecords[from];
      newRunStarts[i] = runStarts[from];
      newRunFirsts[i] = runFirsts[from];
    }
    sequences = newSequences;
    offsets = newOffsets;
    epochs = newEpochs;
    partitions = newPartitions;
    runRecords = newRunRecords;
    runStarts = newRunStarts;
    runFirsts = newRunFirsts;
    head = 0;
  }
}
