package io.gregor.cli;

import io.gregor.Header;
import io.gregor.Received;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * How {@code gregor consume} writes a record as one line of bytes.
 *
 * <ul>
 *   <li>{@code text}: {@code [HEADERS<TAB>][KEY<SEP>]VALUE}, headers as {@code k=v,k=v}; a missing
 *       key or value prints as the {@code --null-key} or {@code --null-value} text (by default
 *       nothing, as kcat does).
 *   <li>a {@link Template} (a format string in kcat's manner), with the same null texts.
 *   <li>{@code json}: {@code {"topic", "partition", "offset", "timestamp" (ISO-8601), "key",
 *       "value", "headers"}}; key and value are strings or {@code null}; headers an object whose
 *       values are strings (or {@code null}), or arrays of them for a key that occurs more than
 *       once. {@code gregor produce --format json} reads these lines back.
 * </ul>
 *
 * <p>Keys, values and header values are bytes. Without {@code binary}, those written must be valid
 * UTF-8: a record with one that is not is refused ({@link NotText}), never written with replacement
 * characters. With {@code binary}, text and format strings write them as they are, and JSON as
 * base64 strings ({@code gregor produce --format json --binary} reads them back).
 */
final class RecordLines {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  /** What a record's output is made of. */
  record Options(
      boolean printKey,
      boolean printHeaders,
      String keySeparator,
      String nullKey,
      String nullValue,
      boolean binary) {}

  /** A record that cannot be written as text: a field it writes is not valid UTF-8. */
  static final class NotText extends Exception {
    private static final long serialVersionUID = 1L;

    NotText(String message) {
      super(message, null, false, false);
    }
  }

  private final Format format;
  private final Template template;
  private final Options options;

  /** Lines in a format; {@code template}, when not null, replaces it. */
  RecordLines(Format format, Template template, Options options) {
    this.format = format;
    this.template = template;
    this.options = options;
  }

  /**
   * The record's output, with its newline.
   *
   * @throws NotText without {@code binary}, when a key, value or header value written is not UTF-8
   */
  byte[] line(Received<byte[], byte[]> record) throws NotText {
    var out = new ByteArrayOutputStream();
    if (template != null) {
      template.render(record, this, out);
      if (template.addsNewline()) {
        out.write('\n');
      }
      return out.toByteArray();
    }
    switch (format) {
      case TEXT -> text(record, out);
      case JSON -> out.writeBytes(json(record));
    }
    out.write('\n');
    return out.toByteArray();
  }

  private void text(Received<byte[], byte[]> record, ByteArrayOutputStream out) throws NotText {
    if (options.printHeaders()) {
      out.writeBytes(headers(record));
      out.write('\t');
    }
    if (options.printKey()) {
      out.writeBytes(key(record));
      out.writeBytes(utf8(options.keySeparator()));
    }
    out.writeBytes(value(record));
  }

  /** The key's bytes, or the {@code --null-key} text's. */
  byte[] key(Received<byte[], byte[]> record) throws NotText {
    return record.key() == null ? utf8(options.nullKey()) : checked(record.key(), "the key");
  }

  /** The value's bytes, or the {@code --null-value} text's. */
  byte[] value(Received<byte[], byte[]> record) throws NotText {
    return record.value() == null
        ? utf8(options.nullValue())
        : checked(record.value(), "the value");
  }

  /** Headers as {@code k=v,k=v}; a header without a value as {@code k=}. */
  byte[] headers(Received<byte[], byte[]> record) throws NotText {
    var out = new ByteArrayOutputStream();
    for (Header header : record.headers()) {
      if (out.size() > 0) {
        out.write(',');
      }
      out.writeBytes(utf8(header.key()));
      out.write('=');
      if (header.value() != null) {
        out.writeBytes(checked(header.value(), headerName(header)));
      }
    }
    return out.toByteArray();
  }

  private byte[] json(Received<byte[], byte[]> record) throws NotText {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("topic", record.topic());
    fields.put("partition", record.partition());
    fields.put("offset", record.offset());
    fields.put("timestamp", record.timestamp().toString());
    fields.put("key", jsonText(record.key(), "the key"));
    fields.put("value", jsonText(record.value(), "the value"));
    fields.put("headers", jsonHeaders(record.headers()));
    return JSON.writeValueAsBytes(fields);
  }

  /** Headers as an object; a key that occurs more than once maps to an array of its values. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> jsonHeaders(List<Header> headers) throws NotText {
    Map<String, Object> object = new LinkedHashMap<>();
    for (Header header : headers) {
      String value = jsonText(header.value(), headerName(header));
      if (!object.containsKey(header.key())) {
        object.put(header.key(), value);
      } else if (object.get(header.key()) instanceof List<?> values) {
        ((List<Object>) values).add(value);
      } else {
        List<Object> values = new ArrayList<>();
        values.add(object.get(header.key()));
        values.add(value);
        object.put(header.key(), values);
      }
    }
    return object;
  }

  /** Bytes as a JSON string's text: base64 when binary, else their UTF-8; null stays null. */
  private String jsonText(byte[] bytes, String what) throws NotText {
    if (bytes == null) {
      return null;
    }
    if (options.binary()) {
      return Base64.getEncoder().encodeToString(bytes);
    }
    try {
      return decoded(bytes);
    } catch (CharacterCodingException e) {
      throw notText(what);
    }
  }

  /** The bytes to write: as they are when binary, else only if they are valid UTF-8. */
  private byte[] checked(byte[] bytes, String what) throws NotText {
    if (!options.binary()) {
      try {
        decoded(bytes);
      } catch (CharacterCodingException e) {
        throw notText(what);
      }
    }
    return bytes;
  }

  private NotText notText(String what) {
    return new NotText(
        what
            + " is not valid UTF-8 ("
            + (template == null && format == Format.JSON
                ? "--binary writes keys, values and header values in base64"
                : "--binary writes bytes as they are")
            + ")");
  }

  private static String headerName(Header header) {
    return "header '" + header.key() + "'";
  }

  private static String decoded(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
