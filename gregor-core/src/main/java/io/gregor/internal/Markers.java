package io.gregor.internal;

import java.util.Collection;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The poll loop's commit markers, in sequence order: once the reader has taken the event with
 * sequence number {@code s}, partition {@code p} may be committed up to offset {@code o}. A ring of
 * parallel arrays, so that one marker per record costs no allocation on the hot path. Owned by the
 * loop's thread.
 */
final class Markers {
  private long[] sequences = new long[1024];
  private long[] offsets = new long[1024];
  private TopicPartition[] partitions = new TopicPartition[1024];
  private int head;
  private int size;

  void add(long sequence, TopicPartition partition, long nextOffset) {
    if (size == sequences.length) {
      grow();
    }
    int at = (head + size) & (sequences.length - 1);
    sequences[at] = sequence;
    partitions[at] = partition;
    offsets[at] = nextOffset;
    size++;
  }

  /**
   * Moves every marker whose event the reader has taken ({@code sequence <= received}) into {@code
   * receivedOffsets}; the latest wins, also after a seek backwards, so commits follow the reader.
   */
  void collect(long received, Map<TopicPartition, Long> receivedOffsets) {
    TopicPartition last = null;
    long lastOffset = 0;
    while (size > 0 && sequences[head] <= received) {
      TopicPartition partition = partitions[head];
      if (last != null && !last.equals(partition)) {
        receivedOffsets.put(last, lastOffset);
      }
      last = partition;
      lastOffset = offsets[head];
      partitions[head] = null;
      head = (head + 1) & (sequences.length - 1);
      size--;
    }
    if (last != null) {
      receivedOffsets.put(last, lastOffset);
    }
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
    TopicPartition[] newPartitions = new TopicPartition[capacity];
    for (int i = 0; i < size; i++) {
      int from = (head + i) & (sequences.length - 1);
      newSequences[i] = sequences[from];
      newOffsets[i] = offsets[from];
      newPartitions[i] = partitions[from];
    }
    sequences = newSequences;
    offsets = newOffsets;
    partitions = newPartitions;
    head = 0;
  }
}
