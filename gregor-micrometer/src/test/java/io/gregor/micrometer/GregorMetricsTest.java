package io.gregor.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gregor.Codecs;
import io.gregor.Consumer;
import io.gregor.ConsumerSettings;
import io.gregor.Event;
import io.gregor.Message;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import io.gregor.Received;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Gregor's and Kafka's metrics in a Micrometer registry, tagged with the client. */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class GregorMetricsTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  /** Strings, except that "poison" cannot be read. */
  private static final Deserializer<String> POISONABLE =
      (topic, bytes) -> {
        String value = new String(bytes, StandardCharsets.UTF_8);
        if (value.equals("poison")) {
          throw new IllegalArgumentException("poison");
        }
        return value;
      };

  @Test
  void consumer_eventsErrorsAndKafkaMetrics_areMetersTaggedWithTheClient(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: 3 records, the second unreadable
    kafka.createTopic(names.topic(), 1);
    try (var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string()))) {
      for (String value : new String[] {"a", "poison", "c"}) {
        producer.input().send(Message.of(names.topic(), "k", value));
      }
      producer.flush();
    }
    var registry = new SimpleMeterRegistry();
    var settings =
        ConsumerSettings.create(
                kafka.bootstrapServers(), names.group(), Codecs.string(), POISONABLE)
            .withKafka("client.id", "billing")
            .withKafka("auto.offset.reset", "earliest")
            .withTopics(names.topic());
    try (var consumer = Consumer.create(settings)) {
      var metrics = GregorMetrics.of(consumer);
      metrics.bindTo(registry);

      // when: the two good records are taken
      int data = 0;
      while (data < 2) {
        if (consumer.output().receive() instanceof Event.Data<Received<String, String>>) {
          data++;
        }
      }
      metrics.refresh();

      // then
      await()
          .atMost(PATIENCE)
          .untilAsserted(
              () -> {
                assertThat(
                        registry
                            .get("gregor.events.taken")
                            .tag("gregor.client", "billing")
                            .tag("gregor.group", names.group())
                            .tag("gregor.topics", names.topic())
                            .functionCounter()
                            .count())
                    .isGreaterThanOrEqualTo(3); // the assignment, then the records
                assertThat(
                        registry
                            .get("gregor.errors")
                            .tag("kind", "DESERIALIZATION")
                            .functionCounter()
                            .count())
                    .isEqualTo(1);
                assertThat(registry.get("gregor.partitions.paused").gauge().value()).isZero();
                assertThat(
                        registry
                            .get("kafka.consumer-fetch-manager-metrics.records-consumed-total")
                            .tag("gregor.client", "billing")
                            .tag("client-id", "billing")
                            .gauges())
                    .anySatisfy(gauge -> assertThat(gauge.value()).isEqualTo(3));
              });
      metrics.close();
      assertThat(registry.find("gregor.events.taken").meters()).isEmpty();
    }
  }

  @Test
  void producer_inFlightAndErrorsByKind_areMeters(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    var registry = new SimpleMeterRegistry();
    try (var producer =
            Producer.create(
                ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
                    .withKafka("client.id", "billing-writer"));
        var metrics = GregorMetrics.of(producer)) {
      metrics.bindTo(registry);

      // when: one message to a partition the topic does not have
      producer.input().send(Message.of(names.topic(), "k", "v").withPartition(7));
      producer.flush();

      // then
      await()
          .atMost(PATIENCE)
          .untilAsserted(
              () -> {
                assertThat(
                        registry
                            .get("gregor.errors")
                            .tag("gregor.client", "billing-writer")
                            .tag("gregor.kind", "producer")
                            .tag("kind", "INVALID_MESSAGE")
                            .functionCounter()
                            .count())
                    .isEqualTo(1);
                assertThat(registry.get("gregor.messages.in.flight").gauge().value()).isZero();
                assertThat(registry.find("kafka.producer-metrics.record-send-total").gauges())
                    .isNotEmpty();
              });
    }
  }
}
