package io.gregor;

import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;

/**
 * A record a consumer received, with everything Kafka says about it.
 *
 * @param serializedKeySize the key's size in bytes, or -1 when there is no key
 * @param serializedValueSize the value's size in bytes, or -1 for a tombstone
 * @param leaderEpoch the partition leader's epoch, or {@code null} when the broker did not say
 */
public record Received<K, V>(
    String topic,
    int partition,
    long offset,
    Instant timestamp,
    TimestampType timestampType,
    K key,
    V value,
    List<Header> headers,
    int serializedKeySize,
    int serializedValueSize,
    Integer leaderEpoch) {

  public Received {
    headers = List.copyOf(headers);
  }

  /** The record's topic and partition. */
  public TopicPartition topicPartition() {
    return new TopicPartition(topic, partition);
  }

  /** Where the record sits in Kafka. */
  public Failure.Coordinates coordinates() {
    return new Failure.Coordinates(topic, partition, offset);
  }
}
