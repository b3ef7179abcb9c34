package io.gregor.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Runs {@link ProcessingExamples}, which the guide shows. */
@ExtendWith(KafkaExtension.class)
@Timeout(120)
class ProcessingExamplesTest {

  private static void produce(EmbeddedKafka kafka, String topic, String... keysAndValues) {
    try (var producer =
        new KafkaProducer<>(
            Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
            new StringSerializer(),
            new StringSerializer())) {
      for (int i = 0; i < keysAndValues.length; i += 2) {
        producer.send(new ProducerRecord<>(topic, 0, keysAndValues[i], keysAndValues[i + 1]));
      }
    }
  }

  @Test
  void acknowledge_storesGoodRecords_andRetriesTheBadOneThreeTimes(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: one bad record among two good ones
    kafka.createTopic(names.topic(), 1);
    produce(kafka, names.topic(), "o-1", "42", "o-2", "", "o-3", "7");
    var printed = new ByteArrayOutputStream();

    // when: until 2 are stored and one failed for good
    ProcessingExamples.acknowledge(
        kafka.bootstrapServers(),
        names.group(),
        names.topic(),
        3,
        new PrintStream(printed, true, StandardCharsets.UTF_8));

    // then
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("stored 42", "stored 7")
        .containsPattern("PROCESSING_FAILED: the record at .*@1 failed 3 tries");
  }

  @Test
  void process_handlesOrders_andDeadLettersTheBadOne(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    kafka.createTopic(names.topic() + "-dead-letters", 1);
    produce(kafka, names.topic(), "o-1", "42", "o-2", "", "o-1", "43");
    var printed = new ByteArrayOutputStream();
    var out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    var shutdown = new CountDownLatch(1);

    // when
    Thread app =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    ProcessingExamples.process(
                        kafka.bootstrapServers(), names.group(), names.topic(), shutdown, out);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                printed.toString(StandardCharsets.UTF_8).contains("order o-1: 43")
                    && DeadLetterCount.of(kafka, names.topic() + "-dead-letters") == 1);
    shutdown.countDown();
    app.join(Duration.ofSeconds(60));

    // then
    assertThat(app.isAlive()).as("the example returned").isFalse();
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .containsSubsequence("order o-1: 42", "order o-1: 43");
  }
}
