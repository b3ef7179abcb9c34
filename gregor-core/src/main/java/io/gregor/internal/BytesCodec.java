package io.gregor.internal;

import io.gregor.Codec;
import java.nio.ByteBuffer;
import org.apache.kafka.common.header.Headers;

/**
 * The bytes codec ({@link io.gregor.Codecs#bytes()}): keys and values are the bytes. A consumer's
 * Kafka client copies them itself ({@link PolledBytes#COPIED}).
 */
public final class BytesCodec implements Codec<byte[]> {
  @Override
  public byte[] serialize(String topic, byte[] data) {
    return data;
  }

  @Override
  public byte[] deserialize(String topic, byte[] data) {
    return data;
  }

  @Override
  public byte[] deserialize(String topic, Headers headers, ByteBuffer data) {
    if (data == null) {
      return null;
    }
    byte[] bytes = new byte[data.remaining()];
    data.get(data.position(), bytes);
    return bytes;
  }

  @Override
  public String toString() {
    return "Codec(bytes)";
  }
}
