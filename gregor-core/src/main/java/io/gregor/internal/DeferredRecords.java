package io.gregor.internal;

import io.gregor.Event;
import io.gregor.Received;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Consecutive records of one partition from one poll, with their keys and values deserialized by
 * the poll loop (or as polled, when Kafka's client copied both: {@link #asPolled}), standing in the
 * output for their data events: the reader that takes the next one makes its {@link Received} and
 * data event ({@link #takeNext()}). So the loop hands a poll's records over as one entry, and the
 * per-record work that is not Kafka's moves off the loop's thread, the consumer's critical path.
 * Only for outputs that carry the records themselves: no transducer, no acknowledgements.
 *
 * <p>Each record makes exactly one data event, in order; a record that fails to deserialize ends a
 * run (its error event follows it). The loop owns a run until it hands it to the output ({@link
 * #takeFront} splits one that only partly fits); from then on readers take from it under the
 * output's lock.
 *
 * <p>Memory: a run keeps its poll's list of the partition's records (at most {@code
 * max.poll.records}) until its last record is taken, and so does its commit marker ({@link
 * Markers#addRun}), until the loop next collects the markers. A record's key and value buffers may
 * be slices of the fetch response they came in, which stays in memory while one of them is held; a
 * run as polled keeps every record's key and value (copies) until its last record is taken. All of
 * it is bounded by the settings: the records of the runs in the output (at most its capacity) and
 * in the deliverer's queue (at most the flow limit), and their polls' lists.
 */
final class DeferredRecords<K, V> {
  private final List<ConsumerRecord<Object, Object>> records;

  /** The deserialized keys, from the record at {@link #base} on; null when every key is null. */
  private final Object[] keys;

  /** The deserialized values, from the record at {@link #base} on; null: as polled. */
  private final Object[] values;

  /** The index in records of the first key and value. */
  private final int base;

  /** The next record to take, and the end of the run (exclusive), as indexes of records. */
  private int next;

  private final int end;

  private final Timestamps timestamps = new Timestamps();

  DeferredRecords(
      List<ConsumerRecord<Object, Object>> records,
      Object[] keys,
      Object[] values,
      int base,
      int from,
      int end) {
    this.records = records;
    this.keys = keys;
    this.values = values;
    this.base = base;
    this.next = from;
    this.end = end;
  }

  /**
   * Records whose keys and values Kafka's client copied ({@link PolledBytes#COPIED}): they are what
   * the records hold, and nothing is deserialized.
   */
  static <K, V> DeferredRecords<K, V> asPolled(
      List<ConsumerRecord<Object, Object>> records, int from, int end) {
    return new DeferredRecords<>(records, null, null, from, from, end);
  }

  /** How many events an entry of the output stands for: a run's records left, else 1. */
  static int events(Object entry) {
    return entry instanceof DeferredRecords<?, ?> run ? run.remaining() : 1;
  }

  /** How many data events are still to be taken from this run. */
  int remaining() {
    return end - next;
  }

  /** The first {@code count} (fewer than remain) as a run of their own; this run keeps the rest. */
  DeferredRecords<K, V> takeFront(int count) {
    DeferredRecords<K, V> front =
        new DeferredRecords<>(records, keys, values, base, next, next + count);
    next += count;
    return front;
  }

  /**
   * The next record's data event (one remains). If making it throws, the run is as it was: the
   * record is still the next one.
   */
  @SuppressWarnings("unchecked")
  Event.Data<Received<K, V>> takeNext() {
    ConsumerRecord<Object, Object> record = records.get(next);
    if (values == null) { // as polled
      Event.Data<Received<K, V>> event =
          new Event.Data<>(received(record, (K) record.key(), (V) record.value(), timestamps));
      next++;
      return event;
    }
    int at = next - base;
    Event.Data<Received<K, V>> event =
        new Event.Data<>(
            received(record, keys == null ? null : (K) keys[at], (V) values[at], timestamps));
    next++;
    if (keys != null) {
      keys[at] = null; // the reader has it now: a run partly taken holds only what is left
    }
    values[at] = null;
    return event;
  }

  /** The record as Gregor's data, with its deserialized key and value. */
  static <K, V> Received<K, V> received(
      ConsumerRecord<Object, Object> record, K key, V value, Timestamps timestamps) {
    return new Received<>(
        record.topic(),
        record.partition(),
        record.offset(),
        timestamps.of(record.timestamp()),
        record.timestampType(),
        key,
        value,
        KafkaData.fromKafka(record.headers()),
        record.serializedKeySize(),
        record.serializedValueSize(),
        record.leaderEpoch().orElse(null));
  }
}
