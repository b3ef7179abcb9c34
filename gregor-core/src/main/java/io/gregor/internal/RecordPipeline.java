package io.gregor.internal;

import io.gregor.ConsumerSettings;
import io.gregor.ErrorKind;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.Failure;
import io.gregor.Received;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Gatherer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.MDC;

/**
 * From polled records to events: deserializes each record (a failure is an error event with the
 * record's coordinates, and the pipeline moves past it; keys or values Kafka's client copied,
 * {@link PolledBytes#COPIED}, need nothing), runs the transducer, and hands the events, numbered in
 * order, to the {@link Deliverer} in batches. Without a transducer or acknowledgements, a
 * partition's deserialized records go as runs ({@link DeferredRecords}) whose data events the
 * reader makes. Tells the {@link CommitTracker} what it has handled. Owned by the poll loop's
 * thread.
 *
 * <p>Memory stays bounded whatever the transducer does: records of a poll go through only while
 * fewer events wait for the output than the flow limit; the rest stay here ({@link
 * #recordsPending()}), while every partition is paused, until the reader makes room. So at most one
 * poll's records, and one record's outputs beyond the limit, are held.
 */
final class RecordPipeline<K, V, T> {
  /** The MDC key naming the partition whose records go through (its topic-partition). */
  static final String PARTITION_KEY = "gregor.partition";

  private final ConsumerSettings<K, V, T> settings;
  private final Set<EventType> policy;
  private final Deliverer<T> deliverer;
  private final CommitTracker tracker;
  private final Transducer<Received<K, V>, T> transducer;

  /** With commits after acknowledgement: learns of each record delivered; otherwise null. */
  private Acknowledger acknowledger;

  /** The record being handled. */
  private ConsumerRecord<Object, Object> current;

  /** Whether records keep their bytes: for dead letters (copied only then). */
  private boolean keepBytes;

  /** The current record's key and value bytes, when kept; they go with its entry. */
  private byte[] currentKey;

  private byte[] currentValue;

  /**
   * How Kafka's client hands over keys and values (the consumer configures it so): copied ones are
   * the keys or values themselves.
   */
  final PolledBytes polledKeys;

  final PolledBytes polledValues;

  /** The timestamps of records handled one at a time. */
  private final Timestamps timestamps = new Timestamps();

  /** The current record's key and value, deserialized. */
  private K key;

  private V value;

  /** Events made, and runs of records, not yet handed to the deliverer. */
  private final ArrayList<Object> batch;

  /** How many events {@link #batch} stands for (a run: one per record). */
  private int batchEvents;

  /** Sequence number of the last event handed to the deliverer (the first is 1). */
  private long sequence;

  private boolean stopped;

  /** How many events may wait for the output before records wait here instead. */
  private final long limit;

  /** Polls whose records have not all gone through yet (normally at most one). */
  private final ArrayDeque<ConsumerRecords<Object, Object>> polls = new ArrayDeque<>();

  /** The poll whose records are going through, or null. */
  private ConsumerRecords<Object, Object> pending;

  private List<TopicPartition> pendingPartitions = List.of();
  private int partitionIndex;
  private int recordIndex;
  private final Set<TopicPartition> dropped = new HashSet<>();

  RecordPipeline(
      ConsumerSettings<K, V, T> settings,
      Deliverer<T> deliverer,
      CommitTracker tracker,
      long limit) {
    this.settings = settings;
    this.limit = limit;
    // Sized for its bound up front: growing it showed in the consume profile (ArrayList.grow).
    this.batch = new ArrayList<>((int) Math.min(limit + 1, 1 << 16));
    this.policy = settings.outputPolicy();
    this.deliverer = deliverer;
    this.tracker = tracker;
    this.polledKeys = PolledBytes.forDeserializer(settings.keyDeserializer());
    this.polledValues = PolledBytes.forDeserializer(settings.valueDeserializer());
    Gatherer<? super Received<K, V>, ?, T> gatherer = settings.transducer();
    this.transducer = gatherer == null ? null : Transducer.of(gatherer, new DataDownstream());
  }

  /** From now on, records delivered as data wait for their acknowledgement there. */
  void acknowledgeWith(Acknowledger acknowledger) {
    this.acknowledger = acknowledger;
    this.keepBytes = acknowledger.keepsBytes();
  }

  /**
   * Whether records go to the output as runs ({@link DeferredRecords}), whose data events the
   * reader makes: when the events carry the records themselves (no transducer), and nothing on the
   * loop needs each one (no acknowledger, which takes each record as it is delivered).
   */
  private boolean deferring() {
    return transducer == null && acknowledger == null;
  }

  /** A copy of the bytes Kafka's client polled (a buffer's position unchanged), or null. */
  private static byte[] bytes(Object polled) {
    if (polled == null) {
      return null;
    }
    if (polled instanceof byte[] copied) {
      return copied.clone(); // the reader gets the same array as the value, and may change it
    }
    ByteBuffer buffer = (ByteBuffer) polled;
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(buffer.position(), bytes);
    return bytes;
  }

  /** Events made and errors, for statistics. */
  final Counts counts = new Counts();

  /** Queues an event for the output if the policy wants it. */
  void emit(Event<T> event) {
    counts.error(event);
    if (policy.contains(event.type())) {
      batch.add(event);
      batchEvents++;
    }
  }

  /** Hands the events made so far to the deliverer. */
  void flush() {
    if (!batch.isEmpty()) {
      counts.made(batchEvents);
      sequence += batchEvents;
      deliverer.deliver(batch); // keeps no reference to the list
      batch.clear();
      batchEvents = 0;
    }
  }

  /** The sequence number of the last event made so far. */
  long lastSequence() {
    return sequence + batchEvents;
  }

  /** Whether the transducer has stopped taking records. */
  boolean stopped() {
    return stopped;
  }

  /** Whether records of a poll still wait to go through. */
  boolean recordsPending() {
    return pending != null;
  }

  /** Takes a poll's records and runs as many as there is room for. */
  void accept(ConsumerRecords<Object, Object> records) {
    if (stopped || records.isEmpty() && records.nextOffsets().isEmpty()) {
      return;
    }
    polls.add(records);
    resume();
  }

  /** Runs waiting records while fewer events wait for the output than the limit. */
  void resume() {
    if (pending == null && polls.isEmpty()) {
      return; // nothing waits: no logging context to set either
    }
    try {
      runWaiting();
    } finally {
      MDC.remove(PARTITION_KEY);
    }
  }

  private void runWaiting() {
    while (!stopped) {
      if (pending == null && !startNextPoll()) {
        break;
      }
      if (partitionIndex == pendingPartitions.size()) {
        pending = null;
        continue;
      }
      if (acknowledger != null && acknowledger.full()) {
        flush();
        return; // as many records wait for acknowledgement as allowed: the rest waits here
      }
      TopicPartition partition = pendingPartitions.get(partitionIndex);
      List<ConsumerRecord<Object, Object>> records = pending.records(partition);
      MDC.put(PARTITION_KEY, partition.toString()); // deserializers and transducers log with it
      if (dropped.contains(partition)) {
        recordIndex = records.size();
      }
      while (recordIndex < records.size() && !stopped) {
        if (acknowledger != null && acknowledger.full()) {
          flush();
          return; // as many records wait for acknowledgement as allowed: the rest waits here
        }
        long room = limit - (deliverer.waiting() + batchEvents);
        if (room <= 0) {
          flush();
          room = limit - deliverer.waiting();
          if (room <= 0) {
            return; // room first: the rest waits, bounded by max.poll.records
          }
        }
        if (deferring()) {
          handleRun(partition, records, (int) Math.min(room, records.size() - recordIndex));
        } else {
          handle(partition, records.get(recordIndex++));
        }
      }
      if (!stopped) {
        if (!dropped.contains(partition)) {
          // Past the last record: transaction markers and aborted records included.
          OffsetAndMetadata next = pending.nextOffsets().get(partition);
          if (next != null) {
            tracker.handled(
                partition,
                next.offset(),
                next.leaderEpoch().orElse(Markers.NO_EPOCH),
                lastSequence());
          }
        }
        partitionIndex++;
        recordIndex = 0;
      }
    }
    flush();
  }

  private boolean startNextPoll() {
    pending = polls.poll();
    if (pending == null) {
      dropped.clear();
      return false;
    }
    pendingPartitions = new ArrayList<>(pending.partitions());
    for (TopicPartition partition : pending.nextOffsets().keySet()) {
      if (!pendingPartitions.contains(partition)) {
        pendingPartitions.add(partition); // only transaction markers or aborted records
      }
    }
    partitionIndex = 0;
    recordIndex = 0;
    return true;
  }

  /**
   * Records of these partitions that have not gone through yet are dropped: the partitions were
   * revoked or lost, or the application sought elsewhere.
   */
  void drop(Collection<TopicPartition> partitions) {
    if (pending != null) {
      dropped.addAll(partitions);
    }
  }

  private void clearPending() {
    pending = null;
    polls.clear();
    pendingPartitions = List.of();
    dropped.clear();
  }

  private void handle(TopicPartition partition, ConsumerRecord<Object, Object> record) {
    current = record;
    if (keepBytes) { // for a dead letter, before a deserializer reads the buffers
      currentKey = bytes(record.key());
      currentValue = bytes(record.value());
    }
    boolean counted = true;
    boolean stopNow = false;
    Event.Error<T> failed = deserialize(record);
    if (failed != null) {
      emit(failed); // the record counts as handled
    } else {
      Received<K, V> received = DeferredRecords.received(record, key, value, timestamps);
      long before = lastSequence();
      if (!integrate(received)) {
        stopNow = true;
        // A gatherer that stops without an output for this record refused it (a take-while):
        // it is not counted, so a commit stops before it. One that pushed took it (a take).
        counted = lastSequence() != before;
      }
    }
    if (counted) {
      tracker.handled(
          partition,
          record.offset() + 1,
          record.leaderEpoch().orElse(Markers.NO_EPOCH),
          lastSequence());
    }
    if (stopNow) {
      stop();
    }
  }

  /**
   * Deserializes up to {@code count} records from {@link #recordIndex} on into a run, handed over
   * as one entry; a record that fails to deserialize ends the run, and its error event follows.
   * When Kafka's client copied both keys and values, the run is the records as polled.
   */
  private void handleRun(
      TopicPartition partition, List<ConsumerRecord<Object, Object>> records, int count) {
    int from = recordIndex;
    if (polledKeys == PolledBytes.COPIED
        && polledValues == PolledBytes.COPIED) { // nothing to deserialize, nothing can fail
      addRun(partition, records, DeferredRecords.asPolled(records, from, from + count), count);
      return;
    }
    Object[] keys = null;
    Object[] values = new Object[count];
    int made = 0;
    Event.Error<T> failed = null;
    while (made < count) {
      failed = deserialize(records.get(from + made));
      if (failed != null) {
        break;
      }
      if (key != null) {
        if (keys == null) {
          keys = new Object[count];
        }
        keys[made] = key;
      }
      values[made] = value;
      made++;
    }
    if (made > 0) {
      addRun(
          partition,
          records,
          new DeferredRecords<>(records, keys, values, from, from, from + made),
          made);
    }
    if (failed != null) {
      ConsumerRecord<Object, Object> record = records.get(recordIndex++);
      emit(failed);
      tracker.handled(
          partition,
          record.offset() + 1,
          record.leaderEpoch().orElse(Markers.NO_EPOCH),
          lastSequence());
    }
  }

  /** Hands over the {@code count} records from {@link #recordIndex} on as {@code run}. */
  private void addRun(
      TopicPartition partition,
      List<ConsumerRecord<Object, Object>> records,
      DeferredRecords<K, V> run,
      int count) {
    long first = lastSequence() + 1;
    batch.add(run);
    batchEvents += count;
    tracker.handledRun(partition, records, recordIndex, count, first);
    recordIndex += count;
  }

  /**
   * Deserializes the record's key and value into {@link #key} and {@link #value}; returns null, or
   * the error event (with the record's coordinates) when a deserializer throws.
   */
  @SuppressWarnings("unchecked")
  private Event.Error<T> deserialize(ConsumerRecord<Object, Object> record) {
    try {
      key =
          record.key() == null
              ? null
              : polledKeys == PolledBytes.COPIED
                  ? (K) record.key()
                  : settings
                      .keyDeserializer()
                      .deserialize(record.topic(), record.headers(), (ByteBuffer) record.key());
      value =
          record.value() == null
              ? null
              : polledValues == PolledBytes.COPIED
                  ? (V) record.value()
                  : settings
                      .valueDeserializer()
                      .deserialize(record.topic(), record.headers(), (ByteBuffer) record.value());
    } catch (RuntimeException e) {
      return new Event.Error<>(
          new Failure(
              ErrorKind.DESERIALIZATION,
              "could not deserialize the record at "
                  + record.topic()
                  + "-"
                  + record.partition()
                  + "@"
                  + record.offset()
                  + ": "
                  + e,
              e,
              new Failure.Coordinates(record.topic(), record.partition(), record.offset())));
    }
    return null;
  }

  /** Runs the transducer on one record; false when it wants no more records. */
  @SuppressWarnings("unchecked")
  private boolean integrate(Received<K, V> received) {
    if (transducer == null) {
      data((T) received);
      return true;
    }
    try {
      return transducer.integrate(received);
    } catch (RuntimeException e) {
      emit(
          new Event.Error<>(
              new Failure(
                  ErrorKind.TRANSDUCER,
                  "the transducer threw on the record at " + received.coordinates() + ": " + e,
                  e,
                  received.coordinates())));
    }
    return true;
  }

  private void stop() {
    stopped = true;
    clearPending();
    emit(
        new Event.Error<>(
            new Failure(
                ErrorKind.TRANSDUCER_STOPPED,
                "the transducer stopped early; no more records are delivered, and those not"
                    + " delivered are not committed",
                null,
                null)));
    finish();
  }

  /** Runs the transducer's finisher (once); what it holds settles for commits. */
  void finish() {
    stopped = true;
    clearPending();
    if (transducer != null) {
      try {
        transducer.finish();
      } catch (RuntimeException e) {
        emit(
            new Event.Error<>(
                new Failure(
                    ErrorKind.TRANSDUCER, "the transducer's finisher threw: " + e, e, null)));
      }
    }
    tracker.transducerFinished(lastSequence());
  }

  private void data(T value) {
    batch.add(new Event.Data<>(value));
    batchEvents++;
    if (acknowledger != null && value instanceof Received<?, ?> record) {
      acknowledger.delivered(
          record,
          current == null ? null : currentKey,
          current == null ? null : currentValue,
          lastSequence());
    }
  }

  private final class DataDownstream implements Gatherer.Downstream<T> {
    @Override
    public boolean push(T element) {
      data(element);
      return true;
    }
  }
}
