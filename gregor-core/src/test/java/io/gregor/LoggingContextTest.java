package io.gregor;

import static io.gregor.ConsumerTesting.data;
import static io.gregor.ConsumerTesting.produceStrings;
import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.MDC;

/**
 * The loop threads carry SLF4J's MDC (client id, group, and the partition whose records go
 * through), so that log lines written there, by Gregor, Kafka, or a user's deserializer or
 * transducer, say which client they come from.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class LoggingContextTest {

  @Test
  void consumer_codeOnItsThread_logsWithClientGroupAndPartition(
      EmbeddedKafka kafka, TestNames names) {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 1);
    AtomicReference<Map<String, String>> seen = new AtomicReference<>();
    var settings =
        stringSettings(kafka, names)
            .withKafka("client.id", "billing-reader")
            .withTopics(names.topic())
            .withTransducer(
                Transducers.<Received<String, String>, Received<String, String>>map(
                    record -> {
                      seen.set(MDC.getCopyOfContextMap());
                      return record;
                    }));

    // when
    try (var consumer = Consumer.create(settings)) {
      data(consumer.output(), 1);
    }

    // then
    assertThat(seen.get())
        .containsEntry("gregor.client", "billing-reader")
        .containsEntry("gregor.group", names.group())
        .containsEntry("gregor.partition", names.topic() + "-0");
  }

  @Test
  void producer_codeOnItsThread_logsWithClientId(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    AtomicReference<Map<String, String>> seen = new AtomicReference<>();
    var settings =
        ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
            .withKafka("client.id", "billing-writer")
            .withTransducer(
                Transducers.<String, Message<String, String>>map(
                    value -> {
                      seen.set(MDC.getCopyOfContextMap());
                      return Message.of(names.topic(), "k", value);
                    }));

    // when
    try (var producer = Producer.create(settings)) {
      producer.input().send("v");
      producer.flush();
    }

    // then
    assertThat(seen.get()).containsEntry("gregor.client", "billing-writer");
  }
}
