package io.gregor.cli;

import io.gregor.Header;
import io.gregor.Message;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns one line of {@code gregor produce}'s input into a message.
 *
 * <ul>
 *   <li>{@code text}: the line is the value; with a key separator, the text before its first
 *       occurrence is the key (a line without it is an error). An empty line is an empty value. A
 *       value equal to the tombstone marker (when there is one) makes a tombstone.
 *   <li>{@code json}: the line is an object with {@code value} (required; {@code null} makes a
 *       tombstone), and optionally {@code key}, {@code headers} (an object; a key whose value is an
 *       array gives one header per element), {@code partition} and {@code timestamp} (ISO-8601 or
 *       epoch milliseconds). A string is sent as its text, any other JSON value as its compact
 *       JSON. {@code topic} and {@code offset} (as {@code gregor consume --format json} prints
 *       them) are ignored, so that consumed records can be produced again. Blank lines are skipped.
 * </ul>
 *
 * <p>The common {@code --partition} and {@code --header}s apply to every message; a line's own
 * partition wins, a line's headers come after the common ones.
 */
final class LineParser {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();
  private static final Set<String> FIELDS =
      Set.of("key", "value", "headers", "partition", "timestamp", "topic", "offset");

  private final Format format;
  private final String topic;
  private final String keySeparator;
  private final Integer partition;
  private final List<Header> headers;
  private final String tombstoneMarker;
  private final boolean binary;
  private final boolean ignorePartition;

  /**
   * A parser; a text line whose value is {@code tombstoneMarker} exactly (when not null) is sent as
   * a tombstone. With {@code binary}, a JSON line's key and value are base64, decoded to bytes
   * carried one a char ({@link Latin1}), and its header values are base64 too. With {@code
   * ignorePartition}, a JSON line's {@code partition} is ignored like its {@code topic} and {@code
   * offset} (for copying to a topic with fewer partitions).
   */
  LineParser(
      Format format,
      String topic,
      String keySeparator,
      Integer partition,
      List<Header> headers,
      String tombstoneMarker,
      boolean binary,
      boolean ignorePartition) {
    this.format = format;
    this.topic = topic;
    this.keySeparator = keySeparator;
    this.partition = partition;
    this.headers = List.copyOf(headers);
    this.tombstoneMarker = tombstoneMarker;
    this.binary = binary;
    this.ignorePartition = ignorePartition;
  }

  /** A line that cannot become a message; the message says why. */
  static final class BadLine extends Exception {
    private static final long serialVersionUID = 1L;

    BadLine(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The message for this line, or {@code null} when the line is to be skipped (a blank line of JSON
   * input).
   *
   * @throws BadLine when the line is malformed
   */
  Message<String, String> parse(String line) throws BadLine {
    return switch (format) {
      case TEXT -> text(line);
      case JSON -> line.isBlank() ? null : json(line);
    };
  }

  private Message<String, String> text(String line) throws BadLine {
    String key = null;
    String value = line;
    if (keySeparator != null) {
      int at = line.indexOf(keySeparator);
      if (at < 0) {
        throw new BadLine(
            "no key separator '"
                + printable(keySeparator)
                + "' (with --key-separator every line is KEY"
                + printable(keySeparator)
                + "VALUE)");
      }
      key = line.substring(0, at);
      value = line.substring(at + keySeparator.length());
    }
    if (value.equals(tombstoneMarker)) {
      return new Message<>(topic, partition, key, null, null, headers, true);
    }
    return new Message<>(topic, partition, key, value, null, headers, false);
  }

  private Message<String, String> json(String line) throws BadLine {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JacksonException e) {
      var location = e.getLocation();
      throw new BadLine(
          "not valid JSON: "
              + e.getOriginalMessage()
              + (location == null || location.getColumnNr() < 1
                  ? ""
                  : " (column " + location.getColumnNr() + ")"));
    }
    if (!node.isObject()) {
      throw new BadLine(
          "expected a JSON object like {\"key\": \"k\", \"value\": \"v\"}, got " + kind(node));
    }
    for (String field : node.propertyNames()) {
      if (!FIELDS.contains(field)) {
        throw new BadLine(
            "unknown field \""
                + field
                + "\" (allowed: key, value, headers, partition, timestamp; topic and offset are"
                + " ignored)");
      }
    }
    if (!node.has("value")) {
      throw new BadLine("no \"value\" (use \"value\": null for a tombstone)");
    }
    String key = binary ? base64(node.get("key"), "\"key\"") : text(node.get("key"));
    String value = binary ? base64(node.get("value"), "\"value\"") : text(node.get("value"));
    List<Header> all = new ArrayList<>(headers);
    all.addAll(headers(node.get("headers")));
    Integer messagePartition = partition(node.get("partition"));
    Instant timestamp = timestamp(node.get("timestamp"));
    return new Message<>(topic, messagePartition, key, value, timestamp, all, value == null);
  }

  /** A string's text, any other value's compact JSON, {@code null} for null or absent. */
  private static String text(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    return node.isString() ? node.stringValue() : node.toString();
  }

  /** A base64 string's bytes, carried one a char; {@code null} for null or absent. */
  private static String base64(JsonNode node, String field) throws BadLine {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isString()) {
      try {
        return Latin1.carrying(Base64.getDecoder().decode(node.stringValue()));
      } catch (IllegalArgumentException e) {
        // reported below
      }
    }
    throw new BadLine("with --binary, " + field + " must be a base64 string, got " + node);
  }

  private List<Header> headers(JsonNode node) throws BadLine {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isObject()) {
      throw new BadLine(
          "\"headers\" must be an object like {\"source\": \"web\"}, got " + kind(node));
    }
    List<Header> headers = new ArrayList<>();
    for (var entry : node.properties()) {
      if (entry.getValue().isArray()) {
        for (JsonNode value : entry.getValue().values()) {
          headers.add(header(entry.getKey(), value));
        }
      } else {
        headers.add(header(entry.getKey(), entry.getValue()));
      }
    }
    return headers;
  }

  /** A header: its value's text, or with --binary its base64 decoded. */
  private Header header(String key, JsonNode value) throws BadLine {
    if (!binary) {
      return Header.of(key, text(value));
    }
    String bytes = base64(value, "header '" + key + "'");
    return new Header(key, bytes == null ? null : bytes.getBytes(StandardCharsets.ISO_8859_1));
  }

  private Integer partition(JsonNode node) throws BadLine {
    if (node == null || node.isNull() || ignorePartition) {
      return partition;
    }
    if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 0) {
      throw new BadLine("\"partition\" must be a whole number, 0 or more, got " + node);
    }
    return node.intValue();
  }

  private static Instant timestamp(JsonNode node) throws BadLine {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return Instant.ofEpochMilli(node.longValue());
    }
    if (node.isString()) {
      try {
        return Instant.parse(node.stringValue());
      } catch (DateTimeParseException e) {
        // reported below
      }
    }
    throw new BadLine(
        "\"timestamp\" must be an ISO-8601 instant (2025-01-31T12:00:00Z) or epoch milliseconds,"
            + " got "
            + node);
  }

  private static String kind(JsonNode node) {
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      default -> node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    };
  }

  /** A separator shown in a message: a tab as {@code \t}. */
  static String printable(String separator) {
    return separator.replace("\t", "\\t");
  }
}
