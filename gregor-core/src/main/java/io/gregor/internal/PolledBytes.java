package io.gregor.internal;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * How a consumer's Kafka client hands over keys or values. As a rule they come as Kafka read them
 * ({@link ByteBuffer}s), and the user's deserializer runs on the poll loop, record by record, where
 * a failure becomes an error event in the record's place and the log carries the record's
 * partition. A deserializer that only copies the bytes ({@link io.gregor.Codecs#bytes()}, or
 * Kafka's own {@link ByteArrayDeserializer}) cannot fail and logs nothing: Kafka's client does that
 * copy itself inside {@code poll}, as for the raw client, and the bytes are the key or value as
 * they are.
 */
enum PolledBytes {
  /** The bytes as read, for the user's deserializer. */
  AS_READ(ByteBufferDeserializer.class),
  /** The bytes copied by Kafka's client: already the key or value. */
  COPIED(ByteArrayDeserializer.class);

  /** What the Kafka client is configured with. */
  final Class<? extends Deserializer<?>> kafkaDeserializer;

  PolledBytes(Class<? extends Deserializer<?>> kafkaDeserializer) {
    this.kafkaDeserializer = kafkaDeserializer;
  }

  /** How keys or values read by {@code deserializer} are polled. */
  static PolledBytes forDeserializer(Deserializer<?> deserializer) {
    return deserializer instanceof BytesCodec
            || deserializer.getClass() == ByteArrayDeserializer.class
        ? COPIED
        : AS_READ;
  }
}
