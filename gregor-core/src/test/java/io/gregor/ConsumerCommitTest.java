package io.gregor;

import static io.gregor.ConsumerTesting.PATIENCE;
import static io.gregor.ConsumerTesting.awaitAssignment;
import static io.gregor.ConsumerTesting.data;
import static io.gregor.ConsumerTesting.produceStrings;
import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.Select;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What each form of commit commits. A record counts as received once a reader has taken its event
 * from the output channel; records still in the channel's buffer are never committed by commit-all,
 * automatic commits or close.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ConsumerCommitTest {

  @Test
  void commit_explicitOffsetsWithMetadata_aNewConsumerInTheGroupStartsThere(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 10);
    var zero = new TopicPartition(names.topic(), 0);
    var settings =
        stringSettings(kafka, names)
            .withKafka("enable.auto.commit", false)
            .withTopics(names.topic());
    try (var first = Consumer.create(settings)) {
      data(first.output(), 10);

      // when
      var committed = first.commit(Map.of(zero, new OffsetAndMetadata(4, "handled up to 3")));

      // then
      assertThat(committed).isEqualTo(Map.of(zero, new OffsetAndMetadata(4, "handled up to 3")));
      assertThat(first.committed(Set.of(zero)))
          .isEqualTo(Map.of(zero, new OffsetAndMetadata(4, "handled up to 3")));
    }
    try (var second = Consumer.create(settings)) {
      assertThat(data(second.output(), 6))
          .extracting(Received::offset)
          .containsExactly(4L, 5L, 6L, 7L, 8L, 9L);
    }
  }

  @Test
  void commit_leavesEventsStillInTheOutputBufferUncommitted(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 100);
    var zero = new TopicPartition(names.topic(), 0);
    try (var consumer =
        Consumer.create(
            stringSettings(kafka, names)
                .withKafka("enable.auto.commit", false)
                .withOutputBufferSize(10)
                .withTopics(names.topic()))) {
      data(consumer.output(), 3);

      // when
      var committed = consumer.commit();

      // then
      assertThat(committed).isEqualTo(Map.of(zero, new OffsetAndMetadata(3, Optional.of(0), "")));
      assertThat(consumer.committed(Set.of(zero)))
          .extractingByKey(zero)
          .extracting(OffsetAndMetadata::offset)
          .isEqualTo(3L);
    }
  }

  @Test
  void commit_countsEventsTakenThroughASelect(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 100);
    var zero = new TopicPartition(names.topic(), 0);
    Channel<String> elsewhere = Channel.newBufferedChannel(1);
    try (var consumer =
        Consumer.create(
            stringSettings(kafka, names)
                .withKafka("enable.auto.commit", false)
                .withOutputBufferSize(10)
                .withTopics(names.topic()))) {
      int taken = 0;
      while (taken < 5) {
        if (Select.select(consumer.output().receiveClause(), elsewhere.receiveClause())
            instanceof Event.Data<?>) {
          taken++;
        }
      }

      // when
      var committed = consumer.commit();

      // then
      assertThat(committed).isEqualTo(Map.of(zero, new OffsetAndMetadata(5, Optional.of(0), "")));
    }
  }

  @Test
  void autoCommit_commitsWhatTheReaderReceived_andNoMore(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 100);
    var zero = new TopicPartition(names.topic(), 0);
    try (var consumer =
            Consumer.create(
                stringSettings(kafka, names)
                    .withKafka("auto.commit.interval.ms", 50)
                    .withOutputBufferSize(10)
                    .withTopics(names.topic()));
        var admin = admin(kafka)) {

      // when
      data(consumer.output(), 3);

      // then
      await()
          .atMost(PATIENCE)
          .untilAsserted(
              () -> assertThat(committedOffset(admin, names.group(), zero)).isEqualTo(3L));
      data(consumer.output(), 4);
      await()
          .atMost(PATIENCE)
          .untilAsserted(
              () -> assertThat(committedOffset(admin, names.group(), zero)).isEqualTo(7L));
    }
  }

  @Test
  void autoCommit_atEveryPoll_doesNotSpinAnIdleConsumer(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given: automatic commits "as often as possible", and nothing to read
    kafka.createTopic(names.topic(), 1);
    try (var consumer =
        Consumer.create(
            stringSettings(kafka, names)
                .withKafka("auto.commit.interval.ms", 0)
                .withTopics(names.topic()))) {

      // when
      awaitAssignment(consumer.output());

      // then: the loop waits in long polls, by Kafka's own measure of the time between polls
      // (spinning, it was 0.006 ms). Asking for the metrics cuts a poll short, so ask seldom.
      await()
          .atMost(PATIENCE)
          .pollInterval(Duration.ofSeconds(1))
          .untilAsserted(() -> assertThat(timeBetweenPolls(consumer)).isGreaterThan(50.0));
    }
  }

  private static double timeBetweenPolls(Consumer<?, ?, ?> consumer) {
    return consumer.metrics().stream()
        .filter(
            metric ->
                metric.group().equals("consumer-metrics")
                    && metric.name().equals("time-between-poll-avg"))
        .mapToDouble(metric -> ((Number) metric.value()).doubleValue())
        .findFirst()
        .orElse(Double.NaN);
  }

  @Test
  void close_commitsWhatTheReaderReceived(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 100);
    var zero = new TopicPartition(names.topic(), 0);
    var settings =
        stringSettings(kafka, names)
            .withKafka("auto.commit.interval.ms", 600_000)
            .withOutputBufferSize(10)
            .withTopics(names.topic());
    var consumer = Consumer.create(settings);
    data(consumer.output(), 4);

    // when
    consumer.close();

    // then
    try (var admin = admin(kafka)) {
      assertThat(committedOffset(admin, names.group(), zero)).isEqualTo(4L);
    }
    try (var next = Consumer.create(settings)) {
      assertThat(data(next.output(), 1)).extracting(Received::offset).containsExactly(4L);
    }
  }

  @Test
  void close_withAutomaticCommitsOff_commitsNothing(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 10);
    var zero = new TopicPartition(names.topic(), 0);
    var consumer =
        Consumer.create(
            stringSettings(kafka, names)
                .withKafka("enable.auto.commit", false)
                .withTopics(names.topic()));
    data(consumer.output(), 10);

    // when
    consumer.close();

    // then
    try (var admin = admin(kafka)) {
      assertThat(committedOffset(admin, names.group(), zero)).isNull();
    }
  }

  @Test
  void unsubscribe_commitsWhatTheReaderReceived(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 50);
    var zero = new TopicPartition(names.topic(), 0);
    try (var consumer =
            Consumer.create(
                stringSettings(kafka, names)
                    .withKafka("auto.commit.interval.ms", 600_000)
                    .withOutputBufferSize(10)
                    .withTopics(names.topic()));
        var admin = admin(kafka)) {
      awaitAssignment(consumer.output());
      data(consumer.output(), 6);

      // when
      consumer.unsubscribe();

      // then
      assertThat(committedOffset(admin, names.group(), zero)).isEqualTo(6L);
    }
  }

  @Test
  void commit_afterASeekBack_doesNotCommitEventsFromBeforeTheSeek(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: the reader took offsets 0 and 1; offsets 2 to 11 wait in the output
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 100);
    var zero = new TopicPartition(names.topic(), 0);
    try (var consumer =
        Consumer.create(
            stringSettings(kafka, names)
                .withKafka("enable.auto.commit", false)
                .withOutputBufferSize(10)
                .withTopics(names.topic()))) {
      assertThat(data(consumer.output(), 2)).extracting(Received::offset).containsExactly(0L, 1L);

      // when: back to the start, then the reader takes events made before the seek
      consumer.seek(zero, 0);
      var stale = data(consumer.output(), 3);

      // then: they are delivered, but not committed
      assertThat(stale).extracting(Received::offset).containsExactly(2L, 3L, 4L);
      assertThat(consumer.commit()).doesNotContainKey(zero);
      // and once a record from the new position is taken, it is
      Received<String, String> record;
      do {
        record = data(consumer.output(), 1).getFirst();
      } while (record.offset() != 0);
      assertThat(consumer.commit().get(zero).offset()).isEqualTo(1L);
    }
  }

  @Test
  void commit_whileOperationsKeepArriving_finishes(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: a stream of operations sent as fast as they are answered
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 10);
    var stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread flood;
    Thread reader;
    try (var consumer =
        Consumer.create(
            stringSettings(kafka, names)
                .withKafka("enable.auto.commit", false)
                .withTopics(names.topic()))) {
      data(consumer.output(), 10);
      flood =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (!stop.get()) {
                        consumer.control().send(new Operation.Subscriptions());
                      }
                    } catch (InterruptedException | RuntimeException e) {
                      // closed
                    }
                  });
      reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (!stop.get()) {
                        consumer.output().receive();
                      }
                    } catch (InterruptedException | RuntimeException e) {
                      // closed
                    }
                  });
      try {
        // when / then: each operation used to wake the commit up and restart it, forever
        var committed =
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                Duration.ofSeconds(20), () -> consumer.commit(), "commit behind a flood");
        assertThat(committed.get(new TopicPartition(names.topic(), 0)).offset()).isEqualTo(10L);
      } finally {
        stop.set(true);
      }
    }
    // close finished both channels: the flood and the reader end
    assertThat(flood.join(PATIENCE)).isTrue();
    assertThat(reader.join(PATIENCE)).isTrue();
  }

  @Test
  void commit_onATransactionalTopic_stepsOverTheCommitMarker_soLagReachesZero(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: 5 records written in one transaction (offsets 0-4; the commit marker is offset 5)
    kafka.createTopic(names.topic(), 1);
    var zero = new TopicPartition(names.topic(), 0);
    try (var producer =
        new org.apache.kafka.clients.producer.KafkaProducer<String, String>(
            Map.of(
                "bootstrap.servers",
                kafka.bootstrapServers(),
                "transactional.id",
                names.group() + "-tx",
                "key.serializer",
                org.apache.kafka.common.serialization.StringSerializer.class,
                "value.serializer",
                org.apache.kafka.common.serialization.StringSerializer.class))) {
      producer.initTransactions();
      producer.beginTransaction();
      for (int i = 0; i < 5; i++) {
        producer.send(
            new org.apache.kafka.clients.producer.ProducerRecord<>(names.topic(), 0, "k", "v" + i));
      }
      producer.commitTransaction();
    }
    try (var consumer =
        Consumer.create(
            stringSettings(kafka, names)
                .withKafka("enable.auto.commit", false)
                .withKafka("isolation.level", "read_committed")
                .withTopics(names.topic()))) {
      assertThat(data(consumer.output(), 5)).hasSize(5);

      // when: the reader has taken every record
      await()
          .atMost(PATIENCE)
          .until(
              () -> {
                consumer.commit();
                return consumer.committed(Set.of(zero)).get(zero).offset() == 6L;
              });

      // then: the committed offset is past the marker, so the group's lag is 0
      assertThat(consumer.lag()).containsEntry(zero, 0L);
    }
  }

  static Admin admin(EmbeddedKafka kafka) {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
  }

  /** The group's committed offset for the partition, or null. */
  static Long committedOffset(Admin admin, String group, TopicPartition partition) {
    try {
      OffsetAndMetadata offset =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get()
              .get(partition);
      return offset == null ? null : offset.offset();
    } catch (Exception e) {
      throw new AssertionError("reading the group's offsets failed", e);
    }
  }
}
