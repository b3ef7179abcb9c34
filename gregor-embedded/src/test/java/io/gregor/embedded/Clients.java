package io.gregor.embedded;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
    return producer(bootstrapServers, Map.of());
  }

  /** A producer with {@code extra} settings (for example SASL credentials) on top. */
  static KafkaProducer<String, String> producer(String bootstrapServers, Map<String, ?> extra) {
    var config = new HashMap<String, Object>(extra);
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
    return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
  }

  static KafkaConsumer<String, String> consumer(String bootstrapServers, String group) {
    return consumer(bootstrapServers, group, Map.of());
  }

  /** A consumer with {@code extra} settings (for example SASL credentials) on top. */
  static KafkaConsumer<String, String> consumer(
      String bootstrapServers, String group, Map<String, ?> extra) {
    var config = new HashMap<String, Object>(extra);
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
  }

  /** Sends each value with key = value and waits for every acknowledgement. */
  static List<RecordMetadata> send(String bootstrapServers, String topic, List<String> values)
      throws Exception {
    return send(bootstrapServers, Map.of(), topic, values);
  }

  /** As {@link #send(String, String, List)}, with {@code extra} producer settings. */
  static List<RecordMetadata> send(
      String bootstrapServers, Map<String, ?> extra, String topic, List<String> values)
      throws Exception {
    try (var producer = producer(bootstrapServers, extra)) {
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
    return read(bootstrapServers, Map.of(), topic, group, count);
  }

  /** As {@link #read(String, String, String, int)}, with {@code extra} consumer settings. */
  static List<String> read(
      String bootstrapServers, Map<String, ?> extra, String topic, String group, int count) {
    try (var consumer = consumer(bootstrapServers, group, extra)) {
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
