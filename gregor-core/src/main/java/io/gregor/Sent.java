package io.gregor;

import java.time.Instant;

/**
 * A producer's delivery result: the broker acknowledged {@code message} at this topic, partition
 * and offset.
 *
 * @param serializedKeySize the key's size in bytes, or -1 when there is no key
 * @param serializedValueSize the value's size in bytes, or -1 for a tombstone
 */
public record Sent<K, V>(
    Message<K, V> message,
    String topic,
    int partition,
    long offset,
    Instant timestamp,
    int serializedKeySize,
    int serializedValueSize) {}
