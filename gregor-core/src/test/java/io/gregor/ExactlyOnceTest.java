package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The consume-transform-produce helper, in one process. */
@ExtendWith(KafkaExtension.class)
@Timeout(120)
class ExactlyOnceTest {

  private static ConsumerSettings<String, String, Received<String, String>> consumerSettings(
      EmbeddedKafka kafka, TestNames names) {
    return ConsumerSettings.create(
            kafka.bootstrapServers(), names.group(), Codecs.string(), Codecs.string())
        .withTopics(names.topic("in"))
        .withKafka("auto.offset.reset", "earliest")
        .withKafka("enable.auto.commit", false)
        .withKafka("isolation.level", "read_committed");
  }

  private static ProducerSettings<Message<String, String>, String, String> producerSettings(
      EmbeddedKafka kafka, TestNames names) {
    return ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
        .withKafka("transactional.id", names.topic("copier"));
  }

  private static List<String> produceInputs(EmbeddedKafka kafka, String topic, int count)
      throws InterruptedException {
    List<String> values = IntStream.range(0, count).mapToObj(i -> "v" + i).toList();
    try (var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string()))) {
      for (String value : values) {
        producer.input().send(Message.of(topic, value, value));
      }
    }
    return values;
  }

  @Test
  void run_writesEveryInputOnce_andCommitsTheOffsetsWithIt(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    kafka.createTopic(names.topic("in"), 2);
    kafka.createTopic(names.topic("out"), 1);
    var inputs = produceInputs(kafka, names.topic("in"), 300);
    try (var consumer = Consumer.create(consumerSettings(kafka, names));
        var producer = Producer.create(producerSettings(kafka, names))) {
      var helper =
          ExactlyOnce.of(
                  consumer,
                  producer,
                  record ->
                      List.of(Message.of(names.topic("out"), record.key(), record.value() + "!")))
              .withBatchSize(50);

      // when
      var run = CompletableFuture.runAsync(() -> runQuietly(helper));
      await()
          .atMost(Outputs.PATIENCE)
          .until(() -> TopicReader.committedValuesSoFar(kafka, names.topic("out")).size() >= 300);
      consumer.call(new Operation.Close()); // run() returns at the end of its output
      run.get();

      // then
      assertThat(TopicReader.committedValues(kafka, names.topic("out")))
          .containsExactlyInAnyOrderElementsOf(inputs.stream().map(v -> v + "!").toList());
      var partitions =
          Set.of(
              new TopicPartition(names.topic("in"), 0), new TopicPartition(names.topic("in"), 1));
      try (var check = Consumer.create(consumerSettings(kafka, names).withTopics((Topics) null))) {
        var committed = check.committed(partitions);
        assertThat(committed.values().stream().mapToLong(o -> o.offset()).sum()).isEqualTo(300);
      }
      assertThat(helper.committedBatches()).isGreaterThanOrEqualTo(6);
    }
  }

  @Test
  void run_whenTheTransformThrows_abortsTheBatch_andTheNextRunDoesItAgain(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: a transform that fails once, on v7
    kafka.createTopic(names.topic("in"), 1);
    kafka.createTopic(names.topic("out"), 1);
    var inputs = produceInputs(kafka, names.topic("in"), 20);
    var failed = new AtomicBoolean();
    try (var consumer = Consumer.create(consumerSettings(kafka, names));
        var producer = Producer.create(producerSettings(kafka, names))) {
      var helper =
          ExactlyOnce.of(
                  consumer,
                  producer,
                  (Received<String, String> record) -> {
                    if (record.value().equals("v7") && failed.compareAndSet(false, true)) {
                      throw new IllegalStateException("v7 failed once");
                    }
                    return List.of(Message.of(names.topic("out"), record.value()));
                  })
              .withBatchSize(5);

      // when
      assertThatThrownBy(helper::run).hasMessage("v7 failed once");
      var run = CompletableFuture.runAsync(() -> runQuietly(helper));
      await()
          .atMost(Outputs.PATIENCE)
          .until(() -> TopicReader.committedValuesSoFar(kafka, names.topic("out")).size() >= 20);
      consumer.call(new Operation.Close()); // run() returns at the end of its output
      run.get();

      // then: v5 and v6 (sent in the aborted batch) and v7 appear once
      assertThat(TopicReader.committedValues(kafka, names.topic("out"))).isEqualTo(inputs);
    }
  }

  @Test
  void run_aBatchSmallerThanItsSize_isCommittedWhenItsIntervalIsUp(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: 7 inputs, batches of up to 1,000 records or 200 ms
    kafka.createTopic(names.topic("in"), 1);
    kafka.createTopic(names.topic("out"), 1);
    var inputs = produceInputs(kafka, names.topic("in"), 7);
    try (var consumer = Consumer.create(consumerSettings(kafka, names));
        var producer = Producer.create(producerSettings(kafka, names))) {
      var helper =
          ExactlyOnce.of(
                  consumer,
                  producer,
                  (Received<String, String> record) ->
                      List.of(Message.of(names.topic("out"), record.value())))
              .withBatchSize(1_000)
              .withBatchInterval(Duration.ofMillis(200));

      // when: it runs, and no more inputs come
      var run = CompletableFuture.runAsync(() -> runQuietly(helper));

      // then: the batch is committed by time, while the helper still runs
      await()
          .atMost(Outputs.PATIENCE)
          .until(() -> TopicReader.committedValuesSoFar(kafka, names.topic("out")).size() >= 7);
      assertThat(run).isNotDone();
      assertThat(helper.committedBatches()).isEqualTo(1);
      assertThat(TopicReader.committedValues(kafka, names.topic("out"))).isEqualTo(inputs);
      consumer.call(new Operation.Close());
      run.get();
    }
  }

  @Test
  void of_aConsumerThatCommitsItself_isRefused(EmbeddedKafka kafka, TestNames names) {
    try (var consumer =
            Consumer.create(consumerSettings(kafka, names).withKafka("enable.auto.commit", true));
        var producer = Producer.create(producerSettings(kafka, names))) {
      assertThatThrownBy(() -> ExactlyOnce.of(consumer, producer, record -> List.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("enable.auto.commit=false");
    }
  }

  private static void runQuietly(ExactlyOnce<?, ?, ?, ?> helper) {
    try {
      helper.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
