package io.gregor.embedded;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain kafka-clients producers and consumers of strings, for tests. */
final class Clients {
  private Clients() {}

  static KafkaProducer<String, String> producer(String bootstrapServers) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
            60_000,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
            30_000),
        new StringSerializer(),
        new StringSerializer());
  }

  static KafkaConsumer<String, String> consumer(String bootstrapServers, String group) {
    return new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            ConsumerConfig.GROUP_ID_CONFIG, group,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
        new StringDeserializer(),
        new StringDeserializer());
  }

  /** Sends each value with key = value and waits for every acknowledgement. */
  static List<RecordMetadata> send(String bootstrapServers, String topic, List<String> values)
      throws Exception {
    try (var producer = producer(bootstrapServers)) {
      var acks = new ArrayList<RecordMetadata>();
      for (var value : values) {
        acks.add(
            producer.send(new ProducerRecord<>(topic, value, value)).get(60, TimeUnit.SECONDS));
      }
      return acks;
    }
  }

  /** Reads {@code topic} from the beginning until it has {@code count} records. */
  static List<String> read(String bootstrapServers, String topic, String group, int count) {
    try (var consumer = consumer(bootstrapServers, group)) {
      consumer.subscribe(List.of(topic));
      var values = new ArrayList<String>();
      await()
          .atMost(Duration.ofSeconds(60))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(1))
          .until(
              () -> {
                for (ConsumerRecord<String, String> record :
                    consumer.poll(Duration.ofMillis(200))) {
                  values.add(record.value());
                }
                return values.size() >= count;
              });
      return values;
    }
  }
}
