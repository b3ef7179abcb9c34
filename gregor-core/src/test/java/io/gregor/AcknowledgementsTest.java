package io.gregor;

import static io.gregor.ConsumerTesting.PATIENCE;
import static io.gregor.ConsumerTesting.data;
import static io.gregor.ConsumerTesting.nextMatching;
import static io.gregor.ConsumerTesting.produceStrings;
import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.softwaremill.jox.Select;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Commit after acknowledgement, with a reader that acknowledges by hand: a partition is committed
 * up to its first record not yet acknowledged, whatever order acknowledgements come in; rejected
 * records are tried again, then dead-lettered or reported; fetching stops at the bound.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(90)
class AcknowledgementsTest {

  private static ConsumerSettings<String, String, Received<String, String>> acknowledging(
      EmbeddedKafka kafka, TestNames names, Acknowledgements acknowledgements) {
    return stringSettings(kafka, names)
        .withKafka("enable.auto.commit", false)
        .withTopics(names.topic())
        .withAcknowledgements(acknowledgements.withRevokeWait(Duration.ofSeconds(1)));
  }

  /** One try, then the dead-letter topic {@code <topic>-dlt}, made here. */
  private static RetryPolicy oneTryThenTheDeadLetterTopic(EmbeddedKafka kafka, TestNames names) {
    String deadLetters = names.topic() + "-dlt";
    kafka.createTopic(deadLetters, 1);
    return RetryPolicy.defaults().withAttempts(1, Duration.ZERO).withDeadLetterTopic(deadLetters);
  }

  /** The one record written to the dead-letter topic, once it is there. */
  private static org.apache.kafka.clients.consumer.ConsumerRecord<String, String> theOnlyDeadLetter(
      EmbeddedKafka kafka, TestNames names) {
    return await()
        .atMost(PATIENCE)
        .until(
            () ->
                TopicReader.readAll(
                    kafka, names.topic() + "-dlt", Codecs.string(), Codecs.string()),
            list -> list.size() == 1)
        .getFirst();
  }

  @Test
  void commit_stopsAtTheFirstRecordNotYetAcknowledged(EmbeddedKafka kafka, TestNames names) {
    // given: ten records taken, acknowledged out of order with offset 3 missing
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 10);
    var zero = new TopicPartition(names.topic(), 0);
    try (var consumer = Consumer.create(acknowledging(kafka, names, Acknowledgements.defaults()))) {
      List<Received<String, String>> records = data(consumer.output(), 10);
      for (int offset : new int[] {5, 0, 2, 1, 4}) {
        consumer.acknowledge(records.get(offset));
      }

      // when
      var first = consumer.commit();
      consumer.acknowledge(records.get(3));
      var second = consumer.commit();

      // then
      assertThat(first).extractingByKey(zero).extracting(OffsetAndMetadata::offset).isEqualTo(3L);
      assertThat(second).extractingByKey(zero).extracting(OffsetAndMetadata::offset).isEqualTo(6L);
    }
  }

  @Test
  void acknowledge_ofAnEqualButOtherRecordObject_changesNothing(
      EmbeddedKafka kafka, TestNames names) {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 2);
    try (var consumer = Consumer.create(acknowledging(kafka, names, Acknowledgements.defaults()))) {
      List<Received<String, String>> records = data(consumer.output(), 2);
      var r = records.get(0);
      var copy =
          new Received<>(
              r.topic(),
              r.partition(),
              r.offset(),
              r.timestamp(),
              r.timestampType(),
              r.key(),
              r.value(),
              r.headers(),
              r.serializedKeySize(),
              r.serializedValueSize(),
              r.leaderEpoch());

      // when
      consumer.acknowledge(copy);
      consumer.acknowledge(records.get(1));

      // then: the record delivered is still waiting, so nothing past it is committed
      assertThat(consumer.commit())
          .extractingByKey(new TopicPartition(names.topic(), 0))
          .extracting(OffsetAndMetadata::offset)
          .isEqualTo(0L);
    }
  }

  @Test
  void fetching_stopsWhileAsManyRecordsWaitForAcknowledgementAsAllowed(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: at most 5 unacknowledged records
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 50);
    try (var consumer =
        Consumer.create(
            acknowledging(
                kafka, names, Acknowledgements.defaults().withMaxUnacknowledged(5, 1 << 20)))) {
      List<Received<String, String>> firstFive = data(consumer.output(), 5);

      // when: nothing is acknowledged, the sixth record does not come
      boolean sixthCame = dataWithin(consumer, Duration.ofSeconds(2));

      // then: one acknowledgement lets exactly one more through
      assertThat(sixthCame).as("a sixth record came with five unacknowledged").isFalse();
      consumer.acknowledge(firstFive.get(2));
      var sixth = data(consumer.output(), 1).getFirst();
      assertThat(sixth.offset()).isEqualTo(5L);
      assertThat(dataWithin(consumer, Duration.ofSeconds(1))).isFalse();
    }
  }

  @Test
  void fetching_resumesOnlyOnceAQuarterOfTheBoundIsAcknowledged(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: at most 8 unacknowledged records, 8 taken
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 50);
    try (var consumer =
        Consumer.create(
            acknowledging(
                kafka, names, Acknowledgements.defaults().withMaxUnacknowledged(8, 1 << 20)))) {
      List<Received<String, String>> firstEight = data(consumer.output(), 8);

      // when: one acknowledgement is not enough to resume (no fetch per acknowledgement)...
      consumer.acknowledge(firstEight.get(0));
      boolean cameAfterOne = dataWithin(consumer, Duration.ofSeconds(2));
      // ...the second (a quarter of 8) is
      consumer.acknowledge(firstEight.get(1));
      var next = data(consumer.output(), 2);

      // then: two more came, up to the bound again, and no more
      assertThat(cameAfterOne).as("a record came after one acknowledgement of eight").isFalse();
      assertThat(next).extracting(Received::offset).containsExactly(8L, 9L);
      assertThat(dataWithin(consumer, Duration.ofSeconds(1))).isFalse();
    }
  }

  /** Whether a data event arrives within {@code wait} (other events are skipped). */
  private static boolean dataWithin(
      Consumer<String, String, Received<String, String>> consumer, Duration wait)
      throws InterruptedException {
    long until = System.nanoTime() + wait.toNanos();
    while (true) {
      long left = until - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      try {
        if (Select.selectWithin(Duration.ofNanos(left), consumer.output().receiveClause())
            instanceof Event.Data<?>) {
          return true;
        }
      } catch (TimeoutException e) {
        return false;
      }
    }
  }

  @Test
  void reject_deliversTheRecordAgain_thenReportsItAfterTheLastTry(
      EmbeddedKafka kafka, TestNames names) {
    // given: two tries in all, no dead-letter topic
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 1);
    var policy = RetryPolicy.defaults().withAttempts(2, Duration.ofMillis(10));
    try (var consumer =
        Consumer.create(
            acknowledging(kafka, names, Acknowledgements.defaults().withRetries(policy)))) {
      var record = data(consumer.output(), 1).getFirst();

      // when
      consumer.reject(record, new IllegalStateException("first"));
      var again = data(consumer.output(), 1).getFirst();
      consumer.reject(again, new IllegalStateException("second"));
      var failure =
          ((Event.Error<Received<String, String>>)
                  nextMatching(consumer.output(), event -> event instanceof Event.Error<?>))
              .failure();

      // then: the same record came again, then an error named it, and commits pass it
      assertThat(again).isSameAs(record);
      assertThat(failure.kind()).isEqualTo(ErrorKind.PROCESSING_FAILED);
      assertThat(failure.subject()).isEqualTo(record.coordinates());
      assertThat(failure.message()).contains("2 tries").contains("second");
      assertThat(consumer.commit())
          .extractingByKey(new TopicPartition(names.topic(), 0))
          .extracting(OffsetAndMetadata::offset)
          .isEqualTo(1L);
    }
  }

  @Test
  void reject_afterTheLastTry_writesTheOriginalRecordToTheDeadLetterTopic(
      EmbeddedKafka kafka, TestNames names) {
    // given: one try, a dead-letter topic
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 3);
    var policy = oneTryThenTheDeadLetterTopic(kafka, names);
    try (var consumer =
        Consumer.create(
            acknowledging(kafka, names, Acknowledgements.defaults().withRetries(policy)))) {
      var records = data(consumer.output(), 3);

      // when
      consumer.acknowledge(records.get(0));
      consumer.reject(records.get(1), new IllegalArgumentException("bad amount"));
      consumer.acknowledge(records.get(2));

      // then: the dead letter is the record with headers saying where from and why
      var written = theOnlyDeadLetter(kafka, names);
      assertThat(written.key()).isEqualTo("key-1");
      assertThat(written.value()).isEqualTo("value-1");
      Map<String, String> headers = new java.util.HashMap<>();
      written
          .headers()
          .forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
      assertThat(headers)
          .containsEntry("gregor.dlt.topic", names.topic())
          .containsEntry("gregor.dlt.partition", "0")
          .containsEntry("gregor.dlt.offset", "1")
          .containsEntry("gregor.dlt.exception", IllegalArgumentException.class.getName())
          .containsEntry("gregor.dlt.message", "bad amount")
          .containsEntry("gregor.dlt.attempts", "1");
      await()
          .atMost(PATIENCE)
          .until(
              () -> consumer.commit().get(new TopicPartition(names.topic(), 0)),
              offset -> offset != null && offset.offset() == 3L);
    }
  }

  @Test
  void reject_ofBytesTheReaderChanged_deadLettersTheBytesAsTheyWerePolled(
      EmbeddedKafka kafka, TestNames names) {
    // given: byte values, one try, a dead-letter topic
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 1);
    var policy = oneTryThenTheDeadLetterTopic(kafka, names);
    var settings =
        ConsumerSettings.create(
                kafka.bootstrapServers(), names.group(), Codecs.bytes(), Codecs.bytes())
            .withKafka("auto.offset.reset", "earliest")
            .withKafka("enable.auto.commit", false)
            .withTopics(names.topic())
            .withAcknowledgements(
                Acknowledgements.defaults()
                    .withRetries(policy)
                    .withRevokeWait(Duration.ofSeconds(1)));
    try (var consumer = Consumer.create(settings)) {
      var record = data(consumer.output(), 1).getFirst();

      // when: the reader overwrites the value it was given, then rejects the record
      java.util.Arrays.fill(record.value(), (byte) '#');
      consumer.reject(record, new IllegalArgumentException("bad amount"));

      // then: the dead letter has the bytes as they came from Kafka
      var written = theOnlyDeadLetter(kafka, names);
      assertThat(written.key()).isEqualTo("key-0");
      assertThat(written.value()).isEqualTo("value-0");
    }
  }

  @Test
  void automaticCommit_comesAfterCommitEveryAcknowledgements_beforeTheInterval(
      EmbeddedKafka kafka, TestNames names) {
    // given: automatic commits every 10 minutes, or after 3 acknowledgements
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 5);
    var zero = new TopicPartition(names.topic(), 0);
    try (var consumer =
            Consumer.create(
                stringSettings(kafka, names)
                    .withTopics(names.topic())
                    .withKafka("auto.commit.interval.ms", 600_000)
                    .withCloseTimeout(Duration.ofSeconds(4))
                    .withAcknowledgements(
                        Acknowledgements.defaults()
                            .withCommitEvery(3)
                            .withRevokeWait(Duration.ofSeconds(1))));
        var admin = ConsumerCommitTest.admin(kafka)) {
      var records = data(consumer.output(), 5);

      // when
      records.subList(0, 3).forEach(consumer::acknowledge);

      // then
      await("the group's offset after 3 acknowledgements")
          .atMost(PATIENCE)
          .until(
              () -> ConsumerCommitTest.committedOffset(admin, names.group(), zero),
              o -> o != null && o == 3L);
    }
  }

  @Test
  void fetching_stopsAtTheBoundInBytes(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given: records of 12 bytes ("key-i" + "value-i"), at most 40 bytes unacknowledged
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 9);
    try (var consumer =
        Consumer.create(
            acknowledging(
                kafka, names, Acknowledgements.defaults().withMaxUnacknowledged(1_000, 40)))) {
      var firstThree = data(consumer.output(), 3);

      // when: 3 records hold 36 bytes; the fourth (reaching 48) is delivered, then no more
      var fourth = data(consumer.output(), 1).getFirst();
      boolean fifthCame = dataWithin(consumer, Duration.ofSeconds(2));

      // then
      assertThat(
              firstThree.getFirst().serializedValueSize()
                  + firstThree.getFirst().serializedKeySize())
          .isEqualTo(12);
      assertThat(fourth.offset()).isEqualTo(3L);
      assertThat(fifthCame).as("a fifth record came with 48 bytes unacknowledged").isFalse();
      consumer.acknowledge(firstThree.get(0));
      consumer.acknowledge(firstThree.get(1));
      assertThat(data(consumer.output(), 1).getFirst().offset()).isEqualTo(4L);
    }
  }

  @Test
  void seekBack_keepsEarlierRecordsWaiting_soTheCommitStopsBeforeThem(
      EmbeddedKafka kafka, TestNames names) {
    // given: 0..9 taken, 0..4 acknowledged, 5..7 still being worked on
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 10);
    var zero = new TopicPartition(names.topic(), 0);
    try (var consumer = Consumer.create(acknowledging(kafka, names, Acknowledgements.defaults()))) {
      var records = data(consumer.output(), 10);
      records.subList(0, 5).forEach(consumer::acknowledge);

      // when: the application goes back to 8, and acknowledges what comes from there
      consumer.seek(zero, 8);
      var again = data(consumer.output(), 2);
      again.forEach(consumer::acknowledge);

      // then: 5..7 still hold the commit back, until they are acknowledged
      assertThat(again).extracting(Received::offset).containsExactly(8L, 9L);
      assertThat(consumer.commit())
          .extractingByKey(zero)
          .extracting(OffsetAndMetadata::offset)
          .isEqualTo(5L);
      records.subList(5, 8).forEach(consumer::acknowledge);
      assertThat(consumer.commit())
          .extractingByKey(zero)
          .extracting(OffsetAndMetadata::offset)
          .isEqualTo(10L);
    }
  }

  @Test
  void overdue_aRecordWaitingTooLongIsNamedInAnErrorEvent(EmbeddedKafka kafka, TestNames names) {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 1);
    try (var consumer =
        Consumer.create(
            acknowledging(
                kafka,
                names,
                Acknowledgements.defaults().withOverdueAfter(Duration.ofMillis(200))))) {
      var record = data(consumer.output(), 1).getFirst();

      // when: it is never acknowledged
      var event = nextMatching(consumer.output(), e -> e instanceof Event.Error<?>);

      // then
      var failure = ((Event.Error<Received<String, String>>) event).failure();
      assertThat(failure.kind()).isEqualTo(ErrorKind.ACKNOWLEDGEMENT_OVERDUE);
      assertThat(failure.subject()).isEqualTo(record.coordinates());
    }
  }

  @Test
  void revocation_waitsForTakenRecords_andCommitsNoRecordStillUnacknowledged(
      EmbeddedKafka kafka, TestNames names) {
    // given: the first member took all 10 records and acknowledged 0..3 and 5
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 10);
    var settings =
        stringSettings(kafka, names)
            .withTopics(names.topic())
            .withAcknowledgements(
                Acknowledgements.defaults().withRevokeWait(Duration.ofMillis(500)));
    try (var first = Consumer.create(settings)) {
      var records = data(first.output(), 10);
      for (int offset : new int[] {0, 1, 2, 3, 5}) {
        first.acknowledge(records.get(offset));
      }

      // when: the partition moves to a second member (the first leaves)
      first.unsubscribe();
    }
    try (var second = Consumer.create(settings)) {
      // then: the second starts at the first record never acknowledged
      var records = data(second.output(), 6);
      assertThat(records).extracting(Received::offset).containsExactly(4L, 5L, 6L, 7L, 8L, 9L);
    }
  }

  @Test
  void close_waitsForTheAcknowledgementOfRecordsTaken(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: one record taken and not yet acknowledged
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 1);
    var zero = new TopicPartition(names.topic(), 0);
    var settings =
        stringSettings(kafka, names)
            .withTopics(names.topic())
            .withCloseTimeout(Duration.ofSeconds(20))
            .withAcknowledgements(Acknowledgements.defaults());
    var consumer = Consumer.create(settings);
    var record = data(consumer.output(), 1).getFirst();

    // when: close waits for it, and it is acknowledged meanwhile
    Thread closing = Thread.ofVirtual().start(consumer::close);
    await("the consumer's close to wait for acknowledgements")
        .atMost(PATIENCE)
        .until(
            () ->
                ThreadDump.matching(name -> name.startsWith("gregor-consumer")).stream()
                    .anyMatch(
                        thread ->
                            thread.stack().stream()
                                .anyMatch(frame -> frame.contains("awaitAcknowledgements"))));
    consumer.acknowledge(record);
    closing.join(PATIENCE);

    // then
    assertThat(closing.isAlive()).as("close returned").isFalse();
    try (var admin = ConsumerCommitTest.admin(kafka)) {
      assertThat(ConsumerCommitTest.committedOffset(admin, names.group(), zero)).isEqualTo(1L);
    }
  }

  @Test
  void acknowledge_withoutAcknowledgements_isRefusedAtTheCallSite(
      EmbeddedKafka kafka, TestNames names) {
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 1);
    try (var consumer = Consumer.create(stringSettings(kafka, names).withTopics(names.topic()))) {
      var record = data(consumer.output(), 1).getFirst();

      assertThatThrownBy(() -> consumer.acknowledge(record))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("withAcknowledgements");
      assertThatThrownBy(() -> consumer.process(Ordering.KEY, 4, r -> {}))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("withAcknowledgements");
    }
  }

  @Test
  void acknowledgements_withATransducerThatHoldsRecords_areRefusedAtCreation(
      EmbeddedKafka kafka, TestNames names) {
    var settings =
        stringSettings(kafka, names)
            .withAcknowledgements(Acknowledgements.defaults())
            .withTransducer(java.util.stream.Gatherers.windowFixed(2));

    assertThatThrownBy(() -> Consumer.create(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("acknowledgements");
  }
}
