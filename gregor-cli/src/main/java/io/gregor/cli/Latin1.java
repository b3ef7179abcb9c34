package io.gregor.cli;

import io.gregor.Codec;
import java.nio.charset.StandardCharsets;

/**
 * Bytes carried in a {@code String}, one a char (ISO-8859-1 maps each byte to the char of the same
 * number and back): how {@code gregor produce --binary} sends bytes through the same parser and
 * producer as text.
 */
final class Latin1 {
  private Latin1() {}

  /** A codec that writes each char as the byte it carries. */
  static Codec<String> codec() {
    return Codec.of(
        (topic, text) -> text == null ? null : text.getBytes(StandardCharsets.ISO_8859_1),
        (topic, bytes) -> bytes == null ? null : new String(bytes, StandardCharsets.ISO_8859_1));
  }

  /** {@code text}'s UTF-8 bytes, carried one a char (null stays null). */
  static String carrying(String text) {
    return text == null
        ? null
        : new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
  }

  /** Bytes carried one a char. */
  static String carrying(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }
}
