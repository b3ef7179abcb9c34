package io.gregor.internal;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The poll loop's commit markers, in sequence order: once the reader has taken the event with
 * sequence number {@code s}, partition {@code p} may be committed up to offset {@code o} (with the
 * leader epoch of the record before it, {@code -1} when unknown). A ring of parallel arrays, so
 * that one marker per record costs no allocation on the hot path. Owned by the loop's thread.
 */
final class Markers {
  /** The epoch of a marker whose record carried none. */
  static final int NO_EPOCH = -1;

  private long[] sequences = new long[1024];
  private long[] offsets = new long[1024];
  private int[] epochs = new int[1024];
  private TopicPartition[] partitions = new TopicPartition[1024];
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
      if (sequences[at] != sequence) {
        break;
      }
      if (partitions[at].equals(partition)) {
        offsets[at] = nextOffset;
        epochs[at] = epoch;
        return;
      }
    }
    if (size == sequences.length) {
      grow();
      mask = sequences.length - 1;
    }
    int at = (head + size) & mask;
    sequences[at] = sequence;
    partitions[at] = partition;
    offsets[at] = nextOffset;
    epochs[at] = epoch;
    size++;
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
      head = (head + 1) & (sequences.length - 1);
      size--;
    }
    if (last != null) {
      receivedOffsets.put(last, offset(lastOffset, lastEpoch));
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
        kept++;
      }
    }
    for (int i = kept; i < size; i++) {
      partitions[(head + i) & mask] = null;
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
    for (int i = 0; i < size; i++) {
      int from = (head + i) & (sequences.length - 1);
      newSequences[i] = sequences[from];
      newOffsets[i] = offsets[from];
      newEpochs[i] = epochs[from];
      newPartitions[i] = partitions[from];
    }
    sequences = newSequences;
    offsets = newOffsets;
    epochs = newEpochs;
    partitions = newPartitions;
    head = 0;
  }
}
