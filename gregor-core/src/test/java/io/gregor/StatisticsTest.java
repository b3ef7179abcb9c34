package io.gregor;

import static io.gregor.ConsumerTesting.PATIENCE;
import static io.gregor.ConsumerTesting.data;
import static io.gregor.ConsumerTesting.produceStrings;
import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Statistics say what a client has done, read from any thread without a call through its loop. */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class StatisticsTest {

  @Test
  void consumer_countsEventsTaken_commitLag_andPausedPartitions(
      EmbeddedKafka kafka, TestNames names) {
    // given: 1,000 records (more than the 500 a poll may bring), commits by hand
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 1_000);
    try (var consumer =
        Consumer.create(
            stringSettings(kafka, names)
                .withKafka("enable.auto.commit", false)
                .withOutputPolicy()
                .withOutputBufferSize(4)
                .withTopics(names.topic()))) {

      // when: 2 taken and committed, 3 more taken, the rest waits
      data(consumer.output(), 2);
      consumer.commit();
      data(consumer.output(), 3);

      // then
      await()
          .atMost(PATIENCE)
          .untilAsserted(
              () -> {
                var statistics = consumer.statistics();
                assertThat(statistics.eventsTaken()).isEqualTo(5);
                assertThat(statistics.eventsMade()).isGreaterThanOrEqualTo(9);
                assertThat(statistics.commitLag()).isEqualTo(3);
                assertThat(statistics.pausedPartitions()).isEqualTo(1);
                assertThat(statistics.errors()).isEmpty();
              });
    }
  }

  @Test
  void producer_countsErrorsByKind_evenThoseTheOutputPolicyLeavesOut(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: a producer whose output wants nothing but EOF
    kafka.createTopic(names.topic(), 1);
    try (var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
                .withOutputPolicy())) {

      // when: one message to a partition the topic does not have, one good one
      producer.input().send(Message.of(names.topic(), "k", "v").withPartition(9));
      producer.input().send(Message.of(names.topic(), "k", "v"));
      producer.flush();

      // then
      await()
          .atMost(PATIENCE)
          .untilAsserted(
              () -> {
                var statistics = producer.statistics();
                assertThat(statistics.errors()).containsEntry(ErrorKind.INVALID_MESSAGE, 1L);
                assertThat(statistics.inFlight()).isZero();
                assertThat(statistics.eventsMade()).isZero();
              });
    }
  }
}
