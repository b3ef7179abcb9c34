package io.gregor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.Codec;
import io.gregor.Codecs;
import io.gregor.ConsumerSettings;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.Failure;
import io.gregor.Received;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Without a transducer the consumer's pipeline hands records to the output as runs, whose data
 * events the reader makes when it takes them ({@link DeferredRecords}). As a property, on the
 * pipeline without Kafka: whatever the output's room, the flow limit, the reader's pace, and
 * records that fail to deserialize on the way, the reader gets every output once and in order, and
 * a commit takes every record the reader has taken and never one whose output it has not.
 */
class CommitFollowsTakenRecordsTest {
  private static final TopicPartition P0 = new TopicPartition("t", 0);
  private static final TopicPartition P1 = new TopicPartition("t", 1);
  private static final String BAD = "bad";

  /** Strings, except that the value {@value #BAD} cannot be deserialized. */
  private static final Codec<String> FAILS_ON_BAD =
      Codec.of(
          new StringSerializer(),
          new StringDeserializer() {
            @Override
            public String deserialize(String topic, Headers headers, ByteBuffer data) {
              String value = super.deserialize(topic, headers, data);
              if (BAD.equals(value)) {
                throw new IllegalArgumentException("a bad value");
              }
              return value;
            }
          });

  /** Keys and values deserialized on the loop, or copied by Kafka's client (then as polled). */
  enum Polled {
    STRINGS(false, false),
    BYTE_KEYS(true, false),
    BYTES(true, true);

    final boolean keysCopied;
    final boolean valuesCopied;

    Polled(boolean keysCopied, boolean valuesCopied) {
      this.keysCopied = keysCopied;
      this.valuesCopied = valuesCopied;
    }
  }

  @Property(tries = 600)
  void commits_followTheRecordsTaken_recordByRecord(
      @ForAll long seed, @ForAll boolean errorsWanted, @ForAll Polled polled) {
    Random random = new Random(seed);
    int capacity = 1 + random.nextInt(16);
    String context = "seed " + seed + ", capacity " + capacity + ", " + polled;
    switch (polled) {
      case STRINGS ->
          follow(
              ConsumerSettings.create("localhost:9", "g", Codecs.string(), FAILS_ON_BAD),
              random,
              capacity,
              errorsWanted,
              polled,
              context);
      case BYTE_KEYS ->
          follow(
              ConsumerSettings.create("localhost:9", "g", Codecs.bytes(), FAILS_ON_BAD),
              random,
              capacity,
              errorsWanted,
              polled,
              context);
      case BYTES ->
          follow(
              ConsumerSettings.create("localhost:9", "g", Codecs.bytes(), Codecs.bytes()),
              random,
              capacity,
              errorsWanted,
              polled,
              context);
    }
  }

  private static <K, V> void follow(
      ConsumerSettings<K, V, Received<K, V>> created,
      Random random,
      int capacity,
      boolean errorsWanted,
      Polled polled,
      String context) {
    var settings =
        created
            .withOutputPolicy(errorsWanted ? new EventType[] {EventType.ERROR} : new EventType[0])
            .withOutputBufferSize(capacity)
            .validate();
    UnreadErrors unreadErrors = new UnreadErrors();
    ChunkedOutput<Event<Received<K, V>>> output =
        new ChunkedOutput<>(capacity, () -> {}, unreadErrors);
    Deliverer<Received<K, V>> deliverer = new Deliverer<>(output, capacity, unreadErrors);
    CommitTracker tracker = new CommitTracker(false);
    long limit = 1 + random.nextInt(20);
    RecordPipeline<K, V, Received<K, V>> pipeline =
        new RecordPipeline<>(settings, deliverer, tracker, limit);

    // The truth: per partition, the offsets with an output (in order), and those the reader took.
    Map<TopicPartition, List<Long>> outputs = Map.of(P0, new ArrayList<>(), P1, new ArrayList<>());
    Map<TopicPartition, List<Long>> taken = Map.of(P0, new ArrayList<>(), P1, new ArrayList<>());
    Map<TopicPartition, Long> next = new HashMap<>(Map.of(P0, 0L, P1, 0L));
    String where = context + ", limit " + limit;
    for (int step = 0; step < 60; step++) {
      int action = random.nextInt(10);
      if (action < 4 && !pipeline.recordsPending()) {
        pipeline.accept(poll(random, next, outputs, errorsWanted, polled));
      } else if (action < 9) {
        pipeline.resume();
        read(random.nextInt(capacity + 2), output, deliverer, pipeline, taken);
      } else {
        pipeline.resume();
      }
      check(where, tracker.uncommitted(output.received(), Set.of(P0, P1)), outputs, taken);
    }
  }

  /** The key of the record at {@code offset}: one in three has none. */
  private static String key(long offset) {
    return offset % 3 == 0 ? null : "k" + offset;
  }

  /** The leader epoch of the record at {@code offset}: it changes now and then. */
  private static int epoch(long offset) {
    return (int) (offset / 5);
  }

  /**
   * A poll of 0 to 7 records per partition, one in five of them bad (unless the values are copied:
   * those copied are the bytes, as Kafka's client hands them over); notes those with outputs.
   */
  private static ConsumerRecords<Object, Object> poll(
      Random random,
      Map<TopicPartition, Long> next,
      Map<TopicPartition, List<Long>> outputs,
      boolean errorsWanted,
      Polled polled) {
    Map<TopicPartition, List<ConsumerRecord<Object, Object>>> records = new HashMap<>();
    Map<TopicPartition, OffsetAndMetadata> nextOffsets = new HashMap<>();
    for (TopicPartition partition : List.of(P0, P1)) {
      int count = random.nextInt(8);
      if (count == 0) {
        continue;
      }
      List<ConsumerRecord<Object, Object>> list = new ArrayList<>();
      // Offsets with gaps, as compaction and transaction markers leave them.
      long offset = next.get(partition) + random.nextInt(2);
      for (int i = 0; i < count; i++, offset += 1 + random.nextInt(2)) {
        boolean bad = !polled.valuesCopied && random.nextInt(5) == 0;
        byte[] value = (bad ? BAD : "v" + offset).getBytes(StandardCharsets.UTF_8);
        String keyText = key(offset);
        byte[] key = keyText == null ? null : keyText.getBytes(StandardCharsets.UTF_8);
        list.add(
            new ConsumerRecord<>(
                partition.topic(),
                partition.partition(),
                offset,
                0L,
                TimestampType.CREATE_TIME,
                key == null ? -1 : key.length,
                value.length,
                key == null || polled.keysCopied ? key : ByteBuffer.wrap(key),
                polled.valuesCopied ? value : ByteBuffer.wrap(value),
                new RecordHeaders(),
                Optional.of(epoch(offset))));
        if (!bad || errorsWanted) {
          outputs.get(partition).add(offset);
        }
      }
      next.put(partition, offset);
      records.put(partition, list);
      long last = list.getLast().offset(); // the position carries the last record's epoch
      nextOffsets.put(partition, new OffsetAndMetadata(offset, Optional.of(epoch(last)), ""));
    }
    return new ConsumerRecords<>(records, nextOffsets);
  }

  /** A key or value as text: a string, or bytes holding one. */
  private static String text(Object keyOrValue) {
    return keyOrValue instanceof byte[] bytes
        ? new String(bytes, StandardCharsets.UTF_8)
        : (String) keyOrValue;
  }

  private static <K, V> void read(
      int count,
      ChunkedOutput<Event<Received<K, V>>> output,
      Deliverer<Received<K, V>> deliverer,
      RecordPipeline<?, ?, ?> pipeline,
      Map<TopicPartition, List<Long>> taken) {
    deliverer.queued(); // sends what fits
    long inOutput = pipeline.lastSequence() - deliverer.waiting() - output.received();
    for (int i = 0; i < Math.min(count, inOutput); i++) {
      try {
        switch (output.receive()) {
          case Event.Data<Received<K, V>>(Received<K, V> record) -> {
            assertThat(text(record.value())).isEqualTo("v" + record.offset());
            assertThat(text(record.key())).isEqualTo(key(record.offset()));
            taken.get(record.topicPartition()).add(record.offset());
          }
          case Event.Error<?>(Failure(var kind, var message, var cause, Failure.Coordinates at)) ->
              taken.get(new TopicPartition(at.topic(), at.partition())).add(at.offset());
          default -> throw new AssertionError("an event the pipeline does not make");
        }
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  private static void check(
      String context,
      Map<TopicPartition, OffsetAndMetadata> committable,
      Map<TopicPartition, List<Long>> outputs,
      Map<TopicPartition, List<Long>> taken) {
    for (TopicPartition partition : List.of(P0, P1)) {
      List<Long> made = outputs.get(partition);
      List<Long> read = taken.get(partition);
      assertThat(read)
          .as("%s: %s's outputs are taken once each, in order", context, partition)
          .isEqualTo(made.subList(0, read.size()));
      OffsetAndMetadata commit = committable.get(partition);
      if (!read.isEmpty()) {
        assertThat(commit)
            .as("%s: %s has a commit once one was taken", context, partition)
            .isNotNull();
        assertThat(commit.offset())
            .as("%s: a commit of %s takes every record taken", context, partition)
            .isGreaterThan(read.getLast());
        if (commit.offset() == read.getLast() + 1) {
          assertThat(commit.leaderEpoch())
              .as("%s: a commit of %s has the leader epoch of its last record", context, partition)
              .contains(epoch(read.getLast()));
        }
      }
      if (commit != null && read.size() < made.size()) {
        assertThat(commit.offset())
            .as("%s: a commit of %s never passes an output not taken", context, partition)
            .isLessThanOrEqualTo(made.get(read.size()));
      }
    }
  }
}
