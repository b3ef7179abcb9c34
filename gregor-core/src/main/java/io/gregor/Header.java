package io.gregor;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/** A Kafka record header: a key and raw bytes (which may be {@code null}). */
public record Header(String key, byte[] value) {
  public Header {
    Objects.requireNonNull(key, "header key");
  }

  /** A header whose value is the UTF-8 bytes of {@code value}. */
  public static Header of(String key, String value) {
    return new Header(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
  }

  /** The value decoded as UTF-8, or {@code null}. */
  public String valueAsString() {
    return value == null ? null : new String(value, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Header(String k, byte[] v) && key.equals(k) && Arrays.equals(value, v);
  }

  @Override
  public int hashCode() {
    return 31 * key.hashCode() + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return key + "=" + valueAsString();
  }
}
