package io.gregor.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gregor.Codecs;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs {@link FlowExamples}, which the guide shows: Reactor reading records from a real broker
 * through a consumer's publisher, and writing them through a producer's subscriber; a stream.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(120)
class FlowExamplesTest {

  private static void produce(EmbeddedKafka kafka, String topic, String... values) {
    try (var producer =
        new KafkaProducer<>(
            Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
            new StringSerializer(),
            new StringSerializer())) {
      for (int i = 0; i < values.length; i++) {
        producer.send(new ProducerRecord<>(topic, 0, "k" + i, values[i]));
      }
    }
  }

  /** The first {@code count} values of partition 0, read with a plain Kafka consumer. */
  private static List<String> values(EmbeddedKafka kafka, String topic, int count) {
    var partition = new TopicPartition(topic, 0);
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
            Codecs.string(),
            Codecs.string())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      var values = new ArrayList<String>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(100)).forEach(record -> values.add(record.value()));
                return values.size() >= count;
              });
      return values;
    }
  }

  @Test
  void reactorConsumer_readsRecordsFromTheBroker_andTakingEnoughClosesTheConsumer(
      EmbeddedKafka kafka, TestNames names) {
    // given
    kafka.createTopic(names.topic(), 1);
    produce(kafka, names.topic(), "a", "b", "c", "d");
    var printed = new ByteArrayOutputStream();

    // when
    List<String> values =
        FlowExamples.reactorConsumer(
            kafka.bootstrapServers(),
            names.group(),
            names.topic(),
            3,
            new PrintStream(printed, true, StandardCharsets.UTF_8));

    // then
    assertThat(values).containsExactly("a", "b", "c");
    assertThat(printed.toString(StandardCharsets.UTF_8)).isEmpty(); // no errors
  }

  @Test
  void reactorProducer_sendsAFlux_andItsCompletionClosesTheProducer(
      EmbeddedKafka kafka, TestNames names) {
    // given
    kafka.createTopic(names.topic(), 1);
    var printed = new ByteArrayOutputStream();

    // when
    FlowExamples.reactorProducer(
        kafka.bootstrapServers(),
        names.topic(),
        50,
        new PrintStream(printed, true, StandardCharsets.UTF_8));

    // then
    assertThat(values(kafka, names.topic(), 50))
        .containsExactlyElementsOf(
            IntStream.rangeClosed(1, 50).mapToObj(i -> "order-" + i).toList());
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("Result[operation=Close");
  }

  @Test
  void stream_printsTheNonEmptyRecords(EmbeddedKafka kafka, TestNames names) {
    // given
    kafka.createTopic(names.topic(), 1);
    produce(kafka, names.topic(), "a", "", "c");
    var printed = new ByteArrayOutputStream();

    // when
    FlowExamples.stream(
        kafka.bootstrapServers(),
        names.group(),
        names.topic(),
        2,
        new PrintStream(printed, true, StandardCharsets.UTF_8));

    // then
    assertThat(printed.toString(StandardCharsets.UTF_8).lines())
        .containsExactly("k0 = a", "k2 = c");
  }
}
