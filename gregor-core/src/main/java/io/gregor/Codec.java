package io.gregor;

import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A serializer and deserializer in one, usable by both producers and consumers. Made by {@link
 * Codecs}; any Kafka {@link Serializer} or {@link Deserializer} works too.
 */
public interface Codec<T> extends Serializer<T>, Deserializer<T> {

  @Override
  default void configure(Map<String, ?> configs, boolean isKey) {}

  @Override
  default void close() {}

  /**
   * A codec from a Kafka serializer and deserializer; every form of their methods goes to them,
   * those with headers included.
   */
  static <T> Codec<T> of(Serializer<T> serializer, Deserializer<T> deserializer) {
    return new Codec<>() {
      @Override
      public byte[] serialize(String topic, T data) {
        return serializer.serialize(topic, data);
      }

      @Override
      public byte[] serialize(String topic, Headers headers, T data) {
        return serializer.serialize(topic, headers, data);
      }

      @Override
      public T deserialize(String topic, byte[] data) {
        return deserializer.deserialize(topic, data);
      }

      @Override
      public T deserialize(String topic, Headers headers, byte[] data) {
        return deserializer.deserialize(topic, headers, data);
      }

      // Kafka's own deserializers read strings and numbers from the buffer without a copy.
      @Override
      public T deserialize(String topic, Headers headers, ByteBuffer data) {
        return deserializer.deserialize(topic, headers, data);
      }

      @Override
      public String toString() {
        return "Codec(" + serializer.getClass().getSimpleName() + ")";
      }
    };
  }
}
