package io.gregor;

import io.gregor.internal.BytesCodec;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.IntegerDeserializer;
import org.apache.kafka.common.serialization.IntegerSerializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.UUIDDeserializer;
import org.apache.kafka.common.serialization.UUIDSerializer;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The built-in codecs: strings (UTF-8), raw bytes, numbers, UUIDs and JSON (Jackson 3).
 *
 * <pre>{@code
 * Codec<Order> orders = Codecs.json(Order.class);   // a record or class of yours
 * Codec<Map<String, Object>> maps = Codecs.jsonMap();
 * }</pre>
 */
public final class Codecs {
  /** Made on first use of a JSON codec: Jackson's start-up is not paid by the others. */
  private static final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder().build();
  }

  private Codecs() {}

  /** UTF-8 strings. */
  public static Codec<String> string() {
    return Codec.of(new StringSerializer(), new StringDeserializer());
  }

  /**
   * Raw bytes, passed through. A consumer's Kafka client copies them out of what it read, inside
   * {@code poll}, as for the raw client with its {@code ByteArrayDeserializer}.
   */
  public static Codec<byte[]> bytes() {
    return new BytesCodec();
  }

  /** 64-bit integers, big-endian. */
  public static Codec<Long> longs() {
    return Codec.of(new LongSerializer(), new LongDeserializer());
  }

  /** 32-bit integers, big-endian. */
  public static Codec<Integer> ints() {
    return Codec.of(new IntegerSerializer(), new IntegerDeserializer());
  }

  /** UUIDs in their string form. */
  public static Codec<UUID> uuid() {
    return Codec.of(new UUIDSerializer(), new UUIDDeserializer());
  }

  /** JSON to and from your own records or classes. */
  public static <T> Codec<T> json(Class<T> type) {
    return json(Json.MAPPER, type);
  }

  /** JSON to and from your own records or classes, with your own mapper. */
  public static <T> Codec<T> json(ObjectMapper mapper, Class<T> type) {
    return new JsonCodec<>(mapper, mapper.constructType(type));
  }

  /** JSON objects as maps. */
  public static Codec<Map<String, Object>> jsonMap() {
    return new JsonCodec<>(
        Json.MAPPER, Json.MAPPER.constructType(new TypeReference<Map<String, Object>>() {}));
  }

  /** JSON as Jackson trees. */
  public static Codec<JsonNode> jsonTree() {
    return new JsonCodec<>(Json.MAPPER, Json.MAPPER.constructType(JsonNode.class));
  }

  private record JsonCodec<T>(ObjectMapper mapper, tools.jackson.databind.JavaType type)
      implements Codec<T> {
    @Override
    public byte[] serialize(String topic, T data) {
      return data == null ? null : mapper.writeValueAsBytes(data);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
      return data == null ? null : mapper.readValue(data, type);
    }

    @Override
    public T deserialize(String topic, Headers headers, ByteBuffer data) {
      if (data == null) {
        return null;
      }
      if (!data.hasArray()) {
        byte[] bytes = new byte[data.remaining()];
        data.get(data.position(), bytes);
        return mapper.readValue(bytes, type);
      }
      return mapper.readValue(
          data.array(), data.arrayOffset() + data.position(), data.remaining(), type);
    }
  }
}
