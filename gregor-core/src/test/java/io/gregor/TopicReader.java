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
   * The values a {@code read_committed} reader sees in the topic once no transaction is open
   * (committed or aborted ones settled: their markers written), partition by partition, each in
   * offset order.
   */
  static List<String> committedValues(EmbeddedKafka kafka, String topic) {
    return committedValues(kafka, topic, true);
  }

  /**
   * The values a {@code read_committed} reader sees in the topic now, while transactions may be
   * open (to poll for progress).
   */
  static List<String> committedValuesSoFar(EmbeddedKafka kafka, String topic) {
    return committedValues(kafka, topic, false);
  }

  private static List<String> committedValues(EmbeddedKafka kafka, String topic, boolean settled) {
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
      Map<TopicPartition, Long> ends =
          settled ? stableEnds(kafka, consumer, partitions) : consumer.endOffsets(partitions);
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

  /**
   * The last stable offsets, once they have reached the log ends read first (the markers then
   * written come after those): a transaction's commit or abort returns before the coordinator has
   * written its markers, and until then the stable offsets stay before the transaction's records.
   */
  private static Map<TopicPartition, Long> stableEnds(
      EmbeddedKafka kafka, KafkaConsumer<?, ?> readCommitted, List<TopicPartition> partitions) {
    Map<TopicPartition, Long> logEnds;
    try (var readUncommitted = consumer(kafka, Codecs.bytes(), Codecs.bytes())) {
      logEnds = readUncommitted.endOffsets(partitions);
    }
    return org.awaitility.Awaitility.await(
            "the last stable offsets reaching the log ends "
                + logEnds
                + " (is a transaction still open?)")
        .atMost(Outputs.PATIENCE)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> readCommitted.endOffsets(partitions),
            stable ->
                logEnds.entrySet().stream()
                    .allMatch(end -> stable.get(end.getKey()) >= end.getValue()));
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
