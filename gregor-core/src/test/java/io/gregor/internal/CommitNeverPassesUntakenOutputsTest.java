package io.gregor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.Codecs;
import io.gregor.ConsumerSettings;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.Received;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Gatherer;
import java.util.stream.Gatherers;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The commit rule as a property, on the consumer's pipeline without Kafka: whatever the transducer
 * does (delay, drop, expand, window, emit from its finisher, stop early, work concurrently) and
 * however the reader paces itself, the offset a commit would take never passes the first record
 * with an output the reader has not taken (emitted or still held by the transducer), nor a record
 * the transducer refused.
 *
 * <p>Each output is the list of the records it came from, and each test transducer shows what it
 * still holds, so the test knows the truth the engine cannot see.
 */
class CommitNeverPassesUntakenOutputsTest {
  private static final TopicPartition P0 = new TopicPartition("t", 0);
  private static final TopicPartition P1 = new TopicPartition("t", 1);
  private static final int TRIES = 400;

  /** Where a record sits. */
  record Source(TopicPartition partition, long offset) {}

  /** A test transducer: its gatherer, and the records it holds right now. */
  interface Kind {
    Gatherer<Received<String, String>, ?, List<Source>> gatherer();

    Set<Source> holding();

    /** The first offset it refused per partition (it stopped early), if any. */
    default Map<TopicPartition, Long> refused() {
      return Map.of();
    }
  }

  private static Source source(Received<String, String> r) {
    return new Source(new TopicPartition(r.topic(), r.partition()), r.offset());
  }

  /** Emits each record's output {@code delay} records later, the rest from the finisher. */
  static Kind delay(int delay) {
    ArrayDeque<Source> held = new ArrayDeque<>();
    return new Kind() {
      public Gatherer<Received<String, String>, ?, List<Source>> gatherer() {
        return Gatherer.<Received<String, String>, List<Source>>ofSequential(
            (state, r, down) -> {
              held.add(source(r));
              while (held.size() > delay) {
                down.push(List.of(held.poll()));
              }
              return true;
            },
            (state, down) -> {
              while (!held.isEmpty()) {
                down.push(List.of(held.poll()));
              }
            });
      }

      public Set<Source> holding() {
        return new HashSet<>(held);
      }
    };
  }

  /** Windows of {@code size} records; the finisher emits the partial one. */
  static Kind window(int size) {
    List<Source> held = new ArrayList<>();
    return new Kind() {
      public Gatherer<Received<String, String>, ?, List<Source>> gatherer() {
        return Gatherer.<Received<String, String>, List<Source>>ofSequential(
            (state, r, down) -> {
              held.add(source(r));
              if (held.size() == size) {
                down.push(List.copyOf(held));
                held.clear();
              }
              return true;
            },
            (state, down) -> {
              if (!held.isEmpty()) {
                down.push(List.copyOf(held));
                held.clear();
              }
            });
      }

      public Set<Source> holding() {
        return new HashSet<>(held);
      }
    };
  }

  /** Drops every third record and expands the others into {@code copies} outputs: per record. */
  static Kind dropAndExpand(int copies, boolean declaredPerRecord) {
    return new Kind() {
      public Gatherer<Received<String, String>, ?, List<Source>> gatherer() {
        Gatherer<Received<String, String>, ?, List<Source>> g =
            Gatherer.<Received<String, String>, List<Source>>of(
                (state, r, down) -> {
                  if (r.offset() % 3 != 0) {
                    for (int i = 0; i < copies; i++) {
                      down.push(List.of(source(r)));
                    }
                  }
                  return true;
                });
        return declaredPerRecord ? new PerRecord<>(g) : g;
      }

      public Set<Source> holding() {
        return Set.of();
      }
    };
  }

  /**
   * Takes records while their offset is below {@code limit}, refusing the first one that is not.
   */
  static Kind takeWhile(long limit) {
    Map<TopicPartition, Long> refused = new HashMap<>();
    return new Kind() {
      public Gatherer<Received<String, String>, ?, List<Source>> gatherer() {
        return Gatherer.<Received<String, String>, List<Source>>ofSequential(
            (state, r, down) -> {
              if (r.offset() >= limit) {
                refused.put(new TopicPartition(r.topic(), r.partition()), r.offset());
                return false;
              }
              return down.push(List.of(source(r)));
            });
      }

      public Set<Source> holding() {
        return Set.of();
      }

      public Map<TopicPartition, Long> refused() {
        return refused;
      }
    };
  }

  /** The JDK's window, composed after a per-record map: holding as a whole. */
  static Kind jdkWindow(int size, List<Source> integrated, List<Source> emitted) {
    return new Kind() {
      public Gatherer<Received<String, String>, ?, List<Source>> gatherer() {
        Gatherer<Received<String, String>, ?, Source> toSource =
            Gatherer.of(
                (state, r, down) -> {
                  integrated.add(source(r));
                  return down.push(source(r));
                });
        return toSource.andThen(Gatherers.<Source>windowFixed(size));
      }

      public Set<Source> holding() {
        Set<Source> held = new HashSet<>(integrated);
        emitted.forEach(held::remove);
        return held;
      }
    };
  }

  private static Kind randomKind(Random random, List<Source> integrated, List<Source> emitted) {
    return switch (random.nextInt(7)) {
      case 0 -> delay(1 + random.nextInt(6));
      case 1 -> window(1 + random.nextInt(8));
      case 2 -> dropAndExpand(1 + random.nextInt(3), true);
      case 3 -> dropAndExpand(1 + random.nextInt(3), false);
      case 4 -> takeWhile(5 + random.nextInt(40));
      case 5 -> jdkWindow(1 + random.nextInt(5), integrated, emitted);
      default -> delay(0);
    };
  }

  @Property(tries = TRIES)
  void committedOffset_neverPassesAnUntakenOutput_forAnyTransducerAndReaderPace(@ForAll long seed) {
    runOne(seed);
  }

  private void runOne(long seed) {
    Random random = new Random(seed);
    List<Source> integrated = new ArrayList<>();
    List<Source> emittedSources = new ArrayList<>();
    Kind kind = randomKind(random, integrated, emittedSources);
    List<List<Source>> emitted = new ArrayList<>();
    Gatherer<List<Source>, ?, List<Source>> recorder =
        new PerRecord<>(
            Gatherer.<List<Source>, List<Source>>of(
                (state, sources, down) -> {
                  emitted.add(sources);
                  emittedSources.addAll(sources);
                  return down.push(sources);
                }));
    int capacity = 1 + random.nextInt(16);
    var settings =
        ConsumerSettings.create("localhost:9", "g", Codecs.string(), Codecs.string())
            .withOutputPolicy(EventType.DATA)
            .withOutputBufferSize(capacity)
            .withTransducer(kind.gatherer().andThen(recorder))
            .validate();
    UnreadErrors unreadErrors = new UnreadErrors();
    ChunkedOutput<Event<List<Source>>> output =
        new ChunkedOutput<>(capacity, () -> {}, unreadErrors);
    Deliverer<List<Source>> deliverer = new Deliverer<>(output, capacity, unreadErrors);
    CommitTracker tracker = new CommitTracker(!PerRecord.holdsNothing(settings.transducer()));
    long limit = 1 + random.nextInt(20);
    RecordPipeline<String, String, List<Source>> pipeline =
        new RecordPipeline<>(settings, deliverer, tracker, limit);
    List<List<Source>> taken = new ArrayList<>();
    Map<TopicPartition, Long> next = new HashMap<>(Map.of(P0, 0L, P1, 0L));
    boolean finished = false;
    String context = "seed " + seed + " (" + kind.getClass() + ")";
    for (int step = 0; step < 60; step++) {
      int action = random.nextInt(10);
      if (action < 4 && !finished && !pipeline.recordsPending()) {
        pipeline.accept(poll(random, next));
      } else if (action < 8) {
        pipeline.resume();
        read(random.nextInt(capacity + 1), output, deliverer, pipeline, taken);
      } else if (action == 8 && !finished) {
        pipeline.finish();
        pipeline.flush();
        finished = true;
      } else {
        pipeline.resume();
      }
      // Everything the transducer pushed so far, in order; the first taken.size() were taken.
      check(context, kind, tracker.uncommitted(taken.size(), Set.of(P0, P1)), emitted, taken);
    }
  }

  private static ConsumerRecords<Object, Object> poll(
      Random random, Map<TopicPartition, Long> next) {
    Map<TopicPartition, List<ConsumerRecord<Object, Object>>> records = new HashMap<>();
    Map<TopicPartition, OffsetAndMetadata> nextOffsets = new HashMap<>();
    for (TopicPartition partition : List.of(P0, P1)) {
      int count = random.nextInt(6);
      if (count == 0) {
        continue;
      }
      List<ConsumerRecord<Object, Object>> list = new ArrayList<>();
      long offset = next.get(partition);
      for (int i = 0; i < count; i++, offset++) {
        list.add(
            new ConsumerRecord<>(
                partition.topic(),
                partition.partition(),
                offset,
                ByteBuffer.allocate(0),
                ByteBuffer.wrap(new byte[] {'v'})));
      }
      next.put(partition, offset);
      records.put(partition, list);
      nextOffsets.put(partition, new OffsetAndMetadata(offset, Optional.empty(), ""));
    }
    return new ConsumerRecords<>(records, nextOffsets);
  }

  private static void read(
      int count,
      ChunkedOutput<Event<List<Source>>> output,
      Deliverer<List<Source>> deliverer,
      RecordPipeline<?, ?, ?> pipeline,
      List<List<Source>> taken) {
    deliverer.queued(); // sends what fits
    long inChannel = pipeline.lastSequence() - deliverer.waiting() - output.received();
    for (int i = 0; i < Math.min(count, inChannel); i++) {
      try {
        if (output.receive() instanceof Event.Data<List<Source>>(List<Source> sources)) {
          taken.add(sources);
        }
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  private static void check(
      String context,
      Kind kind,
      Map<TopicPartition, OffsetAndMetadata> committable,
      List<List<Source>> emitted,
      List<List<Source>> taken) {
    // Records with an output not yet taken: held by the transducer, or in an output not taken.
    Set<Source> pending = new HashSet<>(kind.holding());
    emitted.subList(taken.size(), emitted.size()).forEach(pending::addAll);
    for (var entry : committable.entrySet()) {
      TopicPartition partition = entry.getKey();
      long commit = entry.getValue().offset();
      for (Source source : pending) {
        if (source.partition().equals(partition)) {
          assertThat(commit)
              .as(
                  "%s: commit of %s passes %s, whose output was not taken",
                  context, partition, source)
              .isLessThanOrEqualTo(source.offset());
        }
      }
      Long refused = kind.refused().get(partition);
      if (refused != null) {
        assertThat(commit)
            .as("%s: commit of %s passes the refused offset", context, partition)
            .isLessThanOrEqualTo(refused);
      }
    }
  }
}
