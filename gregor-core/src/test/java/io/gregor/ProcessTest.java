package io.gregor;

import static io.gregor.ConsumerTesting.PATIENCE;
import static io.gregor.ConsumerTesting.produce;
import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.Source;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link Consumer#process}: handlers on virtual threads, in key (or partition) order, at most the
 * concurrency at once; a handler that returns acknowledges its record, one that throws is retried
 * and then dead-lettered; and every record is committed once handled, also across a rebalance.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(120)
class ProcessTest {

  private static ConsumerSettings<String, String, Received<String, String>> processing(
      EmbeddedKafka kafka, TestNames names, Acknowledgements acknowledgements) {
    return stringSettings(kafka, names)
        .withTopics(names.topic())
        .withAcknowledgements(acknowledgements.withRevokeWait(Duration.ofSeconds(2)));
  }

  /** {@code count} records with keys {@code k0..k(keys-1)}, values {@code key:sequence}. */
  private static void produceKeyed(EmbeddedKafka kafka, String topic, int count, int keys) {
    List<ProducerRecord<String, String>> records = new ArrayList<>(count);
    int[] sequence = new int[keys];
    for (int i = 0; i < count; i++) {
      int key = i % keys;
      records.add(new ProducerRecord<>(topic, "k" + key, "k" + key + ":" + sequence[key]++));
    }
    produce(kafka, new StringSerializer(), new StringSerializer(), records);
  }

  /** Reads the events channel until EOF, bounded; returns the events. */
  private static List<Event<Received<String, String>>> untilEof(
      Source<Event<Received<String, String>>> events) throws InterruptedException {
    return Outputs.untilEof(events);
  }

  @Test
  void key_handlesEachKeysRecordsInOrder_andEveryRecordOnce(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: 2,000 records of 40 keys over 4 partitions
    kafka.createTopic(names.topic(), 4);
    produceKeyed(kafka, names.topic(), 2_000, 40);
    Map<String, Queue<Integer>> seen = new ConcurrentHashMap<>();
    AtomicInteger handled = new AtomicInteger();
    var consumer = Consumer.create(processing(kafka, names, Acknowledgements.defaults()));

    // when
    var events =
        consumer.process(
            Ordering.KEY,
            16,
            record -> {
              String[] parts = record.value().split(":");
              seen.computeIfAbsent(parts[0], k -> new ConcurrentLinkedQueue<>())
                  .add(Integer.parseInt(parts[1]));
              Thread.yield(); // let other handlers in between
              handled.incrementAndGet();
            });
    await().atMost(PATIENCE).until(() -> handled.get() >= 2_000);
    consumer.close();
    untilEof(events);

    // then: per key, 0, 1, 2, ... with nothing twice; and all of it committed
    assertThat(seen).hasSize(40);
    seen.forEach(
        (key, sequence) -> assertThat(sequence).as(key).containsExactlyElementsOf(range(50)));
    try (var admin = ConsumerCommitTest.admin(kafka)) {
      long committed = 0;
      for (int p = 0; p < 4; p++) {
        Long offset =
            ConsumerCommitTest.committedOffset(
                admin, names.group(), new TopicPartition(names.topic(), p));
        committed += offset == null ? 0 : offset;
      }
      assertThat(committed).isEqualTo(2_000);
    }
  }

  private static List<Integer> range(int n) {
    List<Integer> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(i);
    }
    return list;
  }

  @Test
  void concurrency_handlersRunInParallel_butNeverMoreThanAllowed(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: the first 3 handlers wait until all 3 run at once
    kafka.createTopic(names.topic(), 1);
    produceKeyed(kafka, names.topic(), 60, 60);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger handled = new AtomicInteger();
    CountDownLatch allThree = new CountDownLatch(3);
    try (var consumer = Consumer.create(processing(kafka, names, Acknowledgements.defaults()))) {

      // when
      consumer.process(
          Ordering.UNORDERED,
          3,
          record -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            allThree.countDown();
            if (!allThree.await(30, TimeUnit.SECONDS)) {
              throw new AssertionError("three handlers never ran at once");
            }
            running.decrementAndGet();
            handled.incrementAndGet();
          });
      await().atMost(PATIENCE).until(() -> handled.get() == 60);
    }

    // then
    assertThat(most.get()).isEqualTo(3);
  }

  @Test
  void failingHandler_isRetried_thenTheRecordGoesToTheDeadLetterTopic_andTheRestGoesOn(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: values k3:* always fail
    kafka.createTopic(names.topic(), 2);
    String deadLetters = names.topic() + "-dlt";
    kafka.createTopic(deadLetters, 1);
    produceKeyed(kafka, names.topic(), 50, 5);
    Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
    AtomicInteger handled = new AtomicInteger();
    var policy =
        RetryPolicy.defaults()
            .withAttempts(3, Duration.ofMillis(5))
            .withDeadLetterTopic(deadLetters);
    var consumer =
        Consumer.create(processing(kafka, names, Acknowledgements.defaults().withRetries(policy)));

    // when
    var events =
        consumer.process(
            Ordering.KEY,
            4,
            record -> {
              tries.computeIfAbsent(record.value(), v -> new AtomicInteger()).incrementAndGet();
              if (record.key().equals("k3")) {
                throw new IllegalStateException("cannot handle " + record.value());
              }
              handled.incrementAndGet();
            });
    await().atMost(PATIENCE).until(() -> handled.get() == 40);
    List<ConsumerRecord<String, String>> dead =
        await()
            .atMost(PATIENCE)
            .until(
                () -> TopicReader.readAll(kafka, deadLetters, Codecs.string(), Codecs.string()),
                list -> list.size() == 10);
    consumer.close();
    var others = untilEof(events);

    // then: each failing record was tried 3 times and dead-lettered once, in key order
    assertThat(dead).extracting(ConsumerRecord::key).containsOnly("k3");
    assertThat(dead)
        .extracting(ConsumerRecord::value)
        .containsExactly(
            "k3:0", "k3:1", "k3:2", "k3:3", "k3:4", "k3:5", "k3:6", "k3:7", "k3:8", "k3:9");
    assertThat(dead.getFirst().headers().lastHeader("gregor.dlt.attempts").value())
        .isEqualTo("3".getBytes(StandardCharsets.UTF_8));
    tries.forEach(
        (value, count) ->
            assertThat(count.get()).as(value).isEqualTo(value.startsWith("k3:") ? 3 : 1));
    assertThat(Outputs.failures(others)).isEmpty();
    try (var admin = ConsumerCommitTest.admin(kafka)) {
      long committed = 0;
      for (int p = 0; p < 2; p++) {
        Long offset =
            ConsumerCommitTest.committedOffset(
                admin, names.group(), new TopicPartition(names.topic(), p));
        committed += offset == null ? 0 : offset;
      }
      assertThat(committed).isEqualTo(50);
    }
  }

  @Test
  void failingHandler_withoutADeadLetterTopic_becomesAnErrorEventNamingTheRecord(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    produceKeyed(kafka, names.topic(), 3, 3);
    var policy = RetryPolicy.defaults().withAttempts(2, Duration.ofMillis(5));
    try (var consumer =
        Consumer.create(
            processing(kafka, names, Acknowledgements.defaults().withRetries(policy)))) {

      // when
      var events =
          consumer.process(
              Ordering.PARTITION,
              2,
              record -> {
                if (record.offset() == 1) {
                  throw new IllegalArgumentException("bad " + record.value());
                }
              });
      var error = ConsumerTesting.nextMatching(events, event -> event instanceof Event.Error<?>);

      // then
      var failure = ((Event.Error<Received<String, String>>) error).failure();
      assertThat(failure.kind()).isEqualTo(ErrorKind.PROCESSING_FAILED);
      assertThat(failure.subject()).isEqualTo(new Failure.Coordinates(names.topic(), 0, 1));
      assertThat(failure.cause()).isInstanceOf(IllegalArgumentException.class);
      assertThat(failure.message()).contains("2 tries");
    }
  }

  @Test
  void hungHandlers_holdNoOtherEvent_andCloseStillEndsTheEvents(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: one handler at a time, and it hangs until the test ends
    kafka.createTopic(names.topic(), 1);
    produceKeyed(kafka, names.topic(), 5, 5);
    CountDownLatch hang = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    var consumer =
        Consumer.create(
            processing(kafka, names, Acknowledgements.defaults())
                .withCloseTimeout(Duration.ofSeconds(4)));
    try {
      var events =
          consumer.process(
              Ordering.UNORDERED,
              1,
              record -> {
                started.countDown();
                hang.await();
              });
      assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

      // when: an operation's result and then close's events come while the handler hangs
      consumer.control().send(new Operation.Subscriptions());
      var result = ConsumerTesting.nextMatching(events, event -> event instanceof Event.Result<?>);
      consumer.close();

      // then
      assertThat(((Event.Result<?>) result).value()).isEqualTo(java.util.Set.of(names.topic()));
      var rest = untilEof(events);
      assertThat(rest.getLast()).isInstanceOf(Event.Eof.class);
    } finally {
      hang.countDown();
      consumer.close();
    }
  }

  @Test
  void seekBack_whileALanesFirstRecordWaitsInLine_theLaneIsHandledAfterwards(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: one handler at a time, held by a0; b0 waits in line for a handler, b1 and b2 behind
    // it in key B's lane; what may wait in the processor: 5 unacknowledged + 1 in the output
    kafka.createTopic(names.topic(), 1);
    produce(
        kafka,
        new StringSerializer(),
        new StringSerializer(),
        List.of(
            new ProducerRecord<>(names.topic(), "A", "a0"),
            new ProducerRecord<>(names.topic(), "B", "b0"),
            new ProducerRecord<>(names.topic(), "B", "b1"),
            new ProducerRecord<>(names.topic(), "B", "b2")));
    var zero = new TopicPartition(names.topic(), 0);
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Queue<String> handled = new ConcurrentLinkedQueue<>();
    try (var consumer =
        Consumer.create(
            processing(kafka, names, Acknowledgements.defaults().withMaxUnacknowledged(5, 1 << 20))
                .withOutputBufferSize(1))) {
      var events =
          consumer.process(
              Ordering.KEY,
              1,
              record -> {
                if (holding.getCount() > 0) {
                  holding.countDown();
                  if (!release.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                  }
                }
                handled.add(record.value());
              });
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  drain(events); // errors and rebalances: not what this test looks at
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      assertThat(holding.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
      await().atMost(PATIENCE).until(() -> consumer.statistics().unacknowledged() == 4);
      long taken = consumer.statistics().eventsTaken();

      // when: the partition is sought back to its start, so that what waits is stale and the
      // records come again (as other objects); once the processor has taken them, more wait than
      // the bound, which purges
      consumer.seek(zero, 0);
      await().atMost(PATIENCE).until(() -> consumer.statistics().eventsTaken() >= taken + 4);
      release.countDown();

      // then: key B's lane still gets a handler: b0, b1 and b2 are handled, in order
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(handled).contains("b0", "b1", "b2"));
      assertThat(handled.stream().filter(v -> v.startsWith("b")).toList())
          .containsExactly("b0", "b1", "b2");
    }
  }

  @Test
  void rebalance_withWorkInFlight_losesNothing_andCommitsNoRecordNotYetHandled(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: a slow first member with work in flight, then a second member joins
    kafka.createTopic(names.topic(), 4);
    produceKeyed(kafka, names.topic(), 400, 20);
    Map<String, AtomicInteger> handledTimes = new ConcurrentHashMap<>();
    CountDownLatch release = new CountDownLatch(1);
    var settings =
        processing(
            kafka,
            names,
            Acknowledgements.defaults().withRevokeWait(Duration.ofMillis(300)).withCommitEvery(10));
    List<Consumer<String, String, Received<String, String>>> members =
        Collections.synchronizedList(new ArrayList<>());
    RecordHandler<String, String> handler =
        record -> {
          if (!release.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("never released");
          }
          handledTimes.computeIfAbsent(record.value(), v -> new AtomicInteger()).incrementAndGet();
        };
    var first = Consumer.create(settings);
    members.add(first);
    var firstEvents = first.process(Ordering.KEY, 8, handler);
    ConsumerTesting.nextMatching(
        firstEvents,
        event -> event instanceof Event.Rebalance<?> r && r.kind() == RebalanceKind.ASSIGNED);

    // when: the second joins while the first's handlers are blocked, then all are released
    var second = Consumer.create(settings);
    members.add(second);
    var secondEvents = second.process(Ordering.KEY, 8, handler);
    ConsumerTesting.nextMatching(
        secondEvents,
        event -> event instanceof Event.Rebalance<?> r && r.kind() == RebalanceKind.ASSIGNED);
    release.countDown();
    await().atMost(PATIENCE).until(() -> handledTimes.size() == 400);
    second.close();
    first.close();
    drain(firstEvents);
    drain(secondEvents);

    // then: every record handled, and the group's offsets are at the end of every partition
    assertThat(handledTimes).hasSize(400);
    try (var admin = ConsumerCommitTest.admin(kafka)) {
      long committed = 0;
      for (int p = 0; p < 4; p++) {
        Long offset =
            ConsumerCommitTest.committedOffset(
                admin, names.group(), new TopicPartition(names.topic(), p));
        committed += offset == null ? 0 : offset;
      }
      assertThat(committed).isEqualTo(400);
    }
  }

  private static void drain(Source<Event<Received<String, String>>> events)
      throws InterruptedException {
    while (!(events.receiveOrClosed() instanceof ChannelClosed)) {
      // skip to the end
    }
  }
}
