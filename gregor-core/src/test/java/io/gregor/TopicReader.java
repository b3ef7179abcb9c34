package io.gregor;

import io.gregor.embedded.EmbeddedKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads a topic with the plain Kafka consumer, so that producer tests check what Kafka holds rather
 * than what Gregor says it sent.
 */
final class TopicReader {
  private TopicReader() {}

  /** Every record the topic holds now, partition by partition, each in offset order. */
  static <K, V> List<ConsumerRecord<K, V>> readAll(
      EmbeddedKafka kafka, String topic, Deserializer<K> keys, Deserializer<V> values) {
    try (var consumer = consumer(kafka, keys, values)) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .sorted(java.util.Comparator.comparingInt(TopicPartition::partition))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      List<ConsumerRecord<K, V>> records = new ArrayList<>();
      Instant deadline = Instant.now().plus(Outputs.PATIENCE);
      while (!partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p))) {
        if (Instant.now().isAfter(deadline)) {
          throw new AssertionError("could not read " + topic + " to its end " + ends);
        }
        consumer.poll(Duration.ofMillis(100)).forEach(records::add);
      }
      List<ConsumerRecord<K, V>> byPartition = new ArrayList<>(records);
      byPartition.sort(java.util.Comparator.comparingInt(ConsumerRecord::partition));
      return byPartition;
    }
  }

  /** The values the topic holds now, partition by partition, each in offset order. */
  static <V> List<V> values(EmbeddedKafka kafka, String topic, Deserializer<V> values) {
    return readAll(kafka, topic, Codecs.bytes(), values).stream()
        .map(ConsumerRecord::value)
        .toList();
  }

  /**
   * The values a {@code read_committed} reader sees in the topic now (it must have no transaction
   * open), partition by partition, each in offset order.
   */
  static List<String> committedValues(EmbeddedKafka kafka, String topic) {
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            Codecs.bytes(),
            Codecs.string())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .sorted(java.util.Comparator.comparingInt(TopicPartition::partition))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions); // the last stable offsets
      List<ConsumerRecord<byte[], String>> records = new ArrayList<>();
      Instant deadline = Instant.now().plus(Outputs.PATIENCE);
      while (!partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p))) {
        if (Instant.now().isAfter(deadline)) {
          throw new AssertionError("could not read " + topic + " to its end " + ends);
        }
        consumer.poll(Duration.ofMillis(100)).forEach(records::add);
      }
      return records.stream()
          .sorted(java.util.Comparator.comparingInt(ConsumerRecord::partition))
          .map(ConsumerRecord::value)
          .toList();
    }
  }

  /** How many records the topic holds now. */
  static long count(EmbeddedKafka kafka, String topic) {
    try (var consumer = consumer(kafka, Codecs.bytes(), Codecs.bytes())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .toList();
      return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private static <K, V> KafkaConsumer<K, V> consumer(
      EmbeddedKafka kafka, Deserializer<K> keys, Deserializer<V> values) {
    return new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            kafka.bootstrapServers(),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false),
        keys,
        values);
  }
}
