package io.gregor;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A message for a producer to send.
 *
 * <p>{@code topic} and {@code value} are required. A {@code null} value is sent only as a
 * tombstone, made with {@link #tombstone(String, Object)}; otherwise the producer reports the
 * message as an {@link ErrorKind#INVALID_MESSAGE} error. {@code key}, {@code partition} and {@code
 * timestamp} are optional ({@code null} lets Kafka choose). The factories check their arguments at
 * the call site; the canonical constructor does not, so that a transducer that builds a bad message
 * gets an error event naming it rather than an exception.
 *
 * <pre>{@code
 * Message.of("orders", "id-42", order).withHeader("source", "web").withPartition(3);
 * }</pre>
 */
public record Message<K, V>(
    String topic,
    Integer partition,
    K key,
    V value,
    Instant timestamp,
    List<Header> headers,
    boolean tombstone) {

  public Message {
    headers = headers == null ? List.of() : List.copyOf(headers);
  }

  /** A message with a value and no key. */
  public static <K, V> Message<K, V> of(String topic, V value) {
    return of(topic, null, value);
  }

  /** A message with a key and a value. */
  public static <K, V> Message<K, V> of(String topic, K key, V value) {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(value, "value (use Message.tombstone to send a null value)");
    return new Message<>(topic, null, key, value, null, List.of(), false);
  }

  /** A tombstone: a {@code null} value that deletes {@code key} from a compacted topic. */
  public static <K, V> Message<K, V> tombstone(String topic, K key) {
    Objects.requireNonNull(topic, "topic");
    return new Message<>(topic, null, key, null, null, List.of(), true);
  }

  /** This message sent to another topic. */
  public Message<K, V> withTopic(String newTopic) {
    return new Message<>(newTopic, partition, key, value, timestamp, headers, tombstone);
  }

  /** This message with a key. */
  public Message<K, V> withKey(K newKey) {
    return new Message<>(topic, partition, newKey, value, timestamp, headers, tombstone);
  }

  /** This message with another value. */
  public Message<K, V> withValue(V newValue) {
    return new Message<>(topic, partition, key, newValue, timestamp, headers, tombstone);
  }

  /** This message for a given partition (Kafka's partitioner chooses when none is given). */
  public Message<K, V> withPartition(int newPartition) {
    return new Message<>(topic, newPartition, key, value, timestamp, headers, tombstone);
  }

  /** This message with a timestamp (Kafka uses the send time when none is given). */
  public Message<K, V> withTimestamp(Instant newTimestamp) {
    return new Message<>(topic, partition, key, value, newTimestamp, headers, tombstone);
  }

  /** This message with one more header. */
  public Message<K, V> withHeader(String headerKey, String headerValue) {
    return withHeader(Header.of(headerKey, headerValue));
  }

  /** This message with one more header. */
  public Message<K, V> withHeader(Header header) {
    List<Header> more = new ArrayList<>(headers);
    more.add(header);
    return new Message<>(topic, partition, key, value, timestamp, more, tombstone);
  }
}
