package io.gregor;

import static io.gregor.ConsumerTesting.PATIENCE;
import static io.gregor.ConsumerTesting.awaitAssignment;
import static io.gregor.ConsumerTesting.data;
import static io.gregor.ConsumerTesting.next;
import static io.gregor.ConsumerTesting.nextResult;
import static io.gregor.ConsumerTesting.produce;
import static io.gregor.ConsumerTesting.produceStrings;
import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every consumer operation besides the walkthrough's. Those that answer with a value run in both
 * forms: sent on the control channel (the answer is a result event) and called directly.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ConsumerOperationsTest {

  /** The two ways to run an operation; both go through the same loop. */
  enum Form {
    CHANNEL {
      @Override
      @SuppressWarnings("unchecked")
      <R> R run(Consumer<?, ?, ?> consumer, ConsumerOperation<R> operation) {
        try {
          consumer.control().send(operation);
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
        return (R) nextResult(consumer.output(), operation);
      }
    },
    DIRECT {
      @Override
      <R> R run(Consumer<?, ?, ?> consumer, ConsumerOperation<R> operation) {
        return consumer.call(operation);
      }
    };

    abstract <R> R run(Consumer<?, ?, ?> consumer, ConsumerOperation<R> operation);
  }

  /** A consumer without a group, for manual assignment. */
  private static Consumer<String, String, Received<String, String>> groupless(EmbeddedKafka kafka) {
    return Consumer.create(
        ConsumerSettings.create(kafka.bootstrapServers(), null, Codecs.string(), Codecs.string())
            .withKafka("auto.offset.reset", "earliest"));
  }

  @ParameterizedTest
  @EnumSource(Form.class)
  void committed_afterACommit_givesTheOffsetsAndMetadata(
      Form form, EmbeddedKafka kafka, TestNames names) {
    // given
    kafka.createTopic(names.topic(), 2);
    var zero = new TopicPartition(names.topic(), 0);
    var one = new TopicPartition(names.topic(), 1);
    try (var consumer = Consumer.create(stringSettings(kafka, names))) {
      consumer.commit(Map.of(zero, new OffsetAndMetadata(7, "seven")));

      // when
      var committed = form.run(consumer, new Operation.Committed(Set.of(zero, one)));

      // then
      assertThat(committed).isEqualTo(Map.of(zero, new OffsetAndMetadata(7, "seven")));
    }
  }

  @ParameterizedTest
  @EnumSource(Form.class)
  void assignment_whenSubscribed_isEveryPartitionOfTheTopic(
      Form form, EmbeddedKafka kafka, TestNames names) {
    // given
    kafka.createTopic(names.topic(), 3);
    try (var consumer = Consumer.create(stringSettings(kafka, names).withTopics(names.topic()))) {
      awaitAssignment(consumer.output());

      // when
      var assignment = form.run(consumer, new Operation.Assignment());

      // then
      assertThat(assignment)
          .containsExactlyInAnyOrder(
              new TopicPartition(names.topic(), 0),
              new TopicPartition(names.topic(), 1),
              new TopicPartition(names.topic(), 2));
    }
  }

  @Test
  void assign_withoutAGroup_readsOnlyThosePartitions(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 2);
    produceStrings(kafka, names.topic(), 0, 5);
    produceStrings(kafka, names.topic(), 1, 5);
    var one = new TopicPartition(names.topic(), 1);
    try (var consumer = groupless(kafka)) {

      // when
      consumer.assign(Set.of(one));

      // then
      assertThat(consumer.assignment()).containsExactly(one);
      assertThat(data(consumer.output(), 5))
          .extracting(Received::partition, Received::offset)
          .containsExactly(tuple(1, 0L), tuple(1, 1L), tuple(1, 2L), tuple(1, 3L), tuple(1, 4L));
      consumer.control().send(new Operation.Assignment()); // no record of partition 0 before it
      assertThat(next(consumer.output()))
          .isEqualTo(new Event.Result<>(new Operation.Assignment(), Set.of(one)));
    }
  }

  @Test
  void assign_whileTheOutputIsBackedUp_holdsTheNewPartitionsToo(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: a reader that reads nothing, so partition 0's records back the output up
    kafka.createTopic(names.topic(), 2);
    produceStrings(kafka, names.topic(), 0, 3_000);
    produceStrings(kafka, names.topic(), 1, 3_000);
    var zero = new TopicPartition(names.topic(), 0);
    var one = new TopicPartition(names.topic(), 1);
    try (var consumer =
        Consumer.create(
            ConsumerSettings.create(
                    kafka.bootstrapServers(), null, Codecs.string(), Codecs.string())
                .withKafka("auto.offset.reset", "earliest")
                .withOutputBufferSize(8))) {
      consumer.assign(Set.of(zero));
      await()
          .atMost(PATIENCE)
          .until(() -> consumer.statistics().pausedPartitions() == 1); // backed up

      // when
      consumer.assign(Set.of(zero, one));

      // then: the new partition waits with the other until the reader makes room
      await()
          .atMost(PATIENCE)
          .untilAsserted(() -> assertThat(consumer.statistics().pausedPartitions()).isEqualTo(2));
      assertThat(data(consumer.output(), 6_000))
          .extracting(Received::partition)
          .containsOnly(0, 1)
          .hasSize(6_000);
    }
  }

  @Test
  void seek_toAnEarlierOffset_readsFromThere(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 10);
    var zero = new TopicPartition(names.topic(), 0);
    try (var consumer = groupless(kafka)) {
      consumer.assign(Set.of(zero));
      data(consumer.output(), 10);

      // when
      consumer.seek(zero, 3);

      // then
      assertThat(data(consumer.output(), 7))
          .extracting(Received::offset)
          .containsExactly(3L, 4L, 5L, 6L, 7L, 8L, 9L);
    }
  }

  @Test
  void seekToBeginning_ofAllAssigned_readsEverythingAgain(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 2);
    produceStrings(kafka, names.topic(), 0, 3);
    produceStrings(kafka, names.topic(), 1, 3);
    try (var consumer = groupless(kafka)) {
      consumer.assign(
          Set.of(new TopicPartition(names.topic(), 0), new TopicPartition(names.topic(), 1)));
      data(consumer.output(), 6);

      // when
      consumer.control().send(new Operation.SeekToBeginning(Set.of()));

      // then
      var events = new ArrayList<Event<Received<String, String>>>();
      var again = data(consumer.output(), 6, events);
      assertThat(events)
          .contains(new Event.Result<>(new Operation.SeekToBeginning(Set.of()), null));
      assertThat(again)
          .extracting(Received::coordinates)
          .containsExactlyInAnyOrder(
              new Failure.Coordinates(names.topic(), 0, 0),
              new Failure.Coordinates(names.topic(), 0, 1),
              new Failure.Coordinates(names.topic(), 0, 2),
              new Failure.Coordinates(names.topic(), 1, 0),
              new Failure.Coordinates(names.topic(), 1, 1),
              new Failure.Coordinates(names.topic(), 1, 2));
    }
  }

  @Test
  void seekToEnd_skipsWhatIsThere_andReadsWhatComesLater(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 5);
    var zero = new TopicPartition(names.topic(), 0);
    try (var consumer = groupless(kafka)) {
      consumer.assign(Set.of(zero));
      data(consumer.output(), 5);
      consumer.pause(Set.of(zero)); // no fetch moves the position
      consumer.seek(zero, 0);

      // when
      consumer.seekToEnd(Set.of(zero));

      // then
      assertThat(consumer.position(zero)).isEqualTo(5L);
      consumer.resume(Set.of(zero));
      produceStrings(kafka, names.topic(), 0, 1);
      assertThat(data(consumer.output(), 1)).extracting(Received::offset).containsExactly(5L);
    }
  }

  @ParameterizedTest
  @EnumSource(Form.class)
  void seekToTimestamp_goesToTheFirstRecordAtOrAfterIt(
      Form form, EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    var start = Instant.now().minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
    List<ProducerRecord<String, String>> records = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      records.add(
          new ProducerRecord<>(
              names.topic(), 0, start.plusSeconds(i).toEpochMilli(), "k", "v" + i));
    }
    produce(kafka, new StringSerializer(), new StringSerializer(), records);
    var zero = new TopicPartition(names.topic(), 0);
    try (var consumer = groupless(kafka)) {
      consumer.assign(Set.of(zero));
      data(consumer.output(), 10);

      // when
      var sought =
          form.run(consumer, new Operation.SeekToTimestamp(Set.of(), start.plusMillis(5500)));

      // then
      assertThat(sought).isEqualTo(Map.of(zero, 6L));
      assertThat(data(consumer.output(), 4))
          .extracting(Received::value)
          .containsExactly("v6", "v7", "v8", "v9");
    }
  }

  @Test
  void seekToTimestamp_afterTheLastRecord_goesToTheEnd(EmbeddedKafka kafka, TestNames names) {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 4);
    var zero = new TopicPartition(names.topic(), 0);
    try (var consumer = groupless(kafka)) {
      consumer.assign(Set.of(zero));

      // when
      var sought = consumer.seekToTimestamp(Set.of(zero), Instant.now().plusSeconds(3600));

      // then
      assertThat(sought).isEqualTo(Map.of(zero, 4L));
    }
  }

  @ParameterizedTest
  @EnumSource(Form.class)
  void position_afterASeek_isTheOffsetSought(Form form, EmbeddedKafka kafka, TestNames names) {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 10);
    var zero = new TopicPartition(names.topic(), 0);
    try (var consumer = groupless(kafka)) {
      consumer.assign(Set.of(zero));
      consumer.pause(Set.of(zero)); // no fetch moves the position
      consumer.seek(zero, 7);

      // when
      var position = form.run(consumer, new Operation.Position(zero));

      // then
      assertThat(position).isEqualTo(7L);
    }
  }

  @ParameterizedTest
  @EnumSource(Form.class)
  void paused_listsThePartitionsPaused(Form form, EmbeddedKafka kafka, TestNames names) {
    // given
    kafka.createTopic(names.topic(), 2);
    var zero = new TopicPartition(names.topic(), 0);
    var one = new TopicPartition(names.topic(), 1);
    try (var consumer = groupless(kafka)) {
      consumer.assign(Set.of(zero, one));

      // when
      form.run(consumer, new Operation.Pause(Set.of(zero)));

      // then
      assertThat(form.run(consumer, new Operation.Paused())).containsExactly(zero);
      form.run(consumer, new Operation.Resume(Set.of(zero)));
      assertThat(form.run(consumer, new Operation.Paused())).isEmpty();
    }
  }

  @Test
  void pause_stopsDelivery_andResumeDeliversWhatWaited(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 2);
    var zero = new TopicPartition(names.topic(), 0);
    var one = new TopicPartition(names.topic(), 1);
    try (var consumer = groupless(kafka)) {
      consumer.assign(Set.of(zero, one));
      consumer.pause(Set.of(zero));

      // when
      produceStrings(kafka, names.topic(), 0, 5);
      produceStrings(kafka, names.topic(), 1, 5);

      // then: partition 1's records arrive, and none of partition 0's meanwhile
      assertThat(data(consumer.output(), 5)).extracting(Received::partition).containsOnly(1);
      consumer.resume(Set.of(zero));
      assertThat(data(consumer.output(), 5))
          .extracting(Received::partition, Received::offset)
          .containsExactly(tuple(0, 0L), tuple(0, 1L), tuple(0, 2L), tuple(0, 3L), tuple(0, 4L));
    }
  }

  @ParameterizedTest
  @EnumSource(Form.class)
  void endOffsets_areTheNextOffsetsToBeWritten(Form form, EmbeddedKafka kafka, TestNames names) {
    // given
    kafka.createTopic(names.topic(), 2);
    produceStrings(kafka, names.topic(), 0, 7);
    produceStrings(kafka, names.topic(), 1, 3);
    var zero = new TopicPartition(names.topic(), 0);
    var one = new TopicPartition(names.topic(), 1);
    try (var consumer = groupless(kafka)) {

      // when
      var ends = form.run(consumer, new Operation.EndOffsets(Set.of(zero, one)));

      // then
      assertThat(ends).isEqualTo(Map.of(zero, 7L, one, 3L));
    }
  }

  @ParameterizedTest
  @EnumSource(Form.class)
  void lag_isWhatLiesBeyondThePosition(Form form, EmbeddedKafka kafka, TestNames names) {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 10);
    var zero = new TopicPartition(names.topic(), 0);
    try (var consumer = groupless(kafka)) {
      consumer.assign(Set.of(zero));
      consumer.pause(Set.of(zero));
      consumer.seek(zero, 4);

      // when
      var lag = form.run(consumer, new Operation.Lag());

      // then
      assertThat(lag).isEqualTo(Map.of(zero, 6L));
    }
  }

  @ParameterizedTest
  @EnumSource(Form.class)
  void listTopics_includesTheTopicWithItsPartitions(
      Form form, EmbeddedKafka kafka, TestNames names) {
    // given
    kafka.createTopic(names.topic(), 2);
    try (var consumer = groupless(kafka)) {

      // when
      var topics = form.run(consumer, new Operation.ListTopics());

      // then
      assertThat(topics).containsKey(names.topic());
      assertThat(topics.get(names.topic()))
          .extracting(PartitionDetails::partition)
          .containsExactly(0, 1);
    }
  }

  @ParameterizedTest
  @EnumSource(Form.class)
  void metrics_includeTheFetchManagersCount(Form form, EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 3);
    try (var consumer = groupless(kafka)) {
      consumer.assign(Set.of(new TopicPartition(names.topic(), 0)));
      data(consumer.output(), 3);

      // when
      var metrics = form.run(consumer, new Operation.Metrics());

      // then
      assertThat(metrics)
          .filteredOn(
              metric ->
                  metric.group().equals("consumer-fetch-manager-metrics")
                      && metric.name().equals("records-consumed-total")
                      && !metric.tags().containsKey("topic"))
          .singleElement()
          .extracting(MetricValue::value)
          .isEqualTo(3.0);
    }
  }
}
