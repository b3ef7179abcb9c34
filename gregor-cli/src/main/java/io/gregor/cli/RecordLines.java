package io.gregor.cli;

import io.gregor.Header;
import io.gregor.Received;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * How {@code gregor consume} writes a record as one line.
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
 */
final class RecordLines {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  /** What a record's output is made of. */
  record Options(
      boolean printKey,
      boolean printHeaders,
      String keySeparator,
      String nullKey,
      String nullValue) {}

  private final Format format;
  private final Template template;
  private final Options options;

  /** Lines in a format; {@code template}, when not null, replaces it. */
  RecordLines(Format format, Template template, Options options) {
    this.format = format;
    this.template = template;
    this.options = options;
  }

  /** The record's output, with its newline. */
  String line(Received<String, String> record) {
    if (template != null) {
      String text = template.render(record, options.nullKey(), options.nullValue());
      return template.addsNewline() ? text + "\n" : text;
    }
    return switch (format) {
          case TEXT -> text(record);
          case JSON -> json(record);
        }
        + "\n";
  }

  private String text(Received<String, String> record) {
    var line = new StringBuilder();
    if (options.printHeaders()) {
      line.append(Template.headers(record)).append('\t');
    }
    if (options.printKey()) {
      line.append(record.key() == null ? options.nullKey() : record.key())
          .append(options.keySeparator());
    }
    return line.append(record.value() == null ? options.nullValue() : record.value()).toString();
  }

  private static String json(Received<String, String> record) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("topic", record.topic());
    fields.put("partition", record.partition());
    fields.put("offset", record.offset());
    fields.put("timestamp", record.timestamp().toString());
    fields.put("key", record.key());
    fields.put("value", record.value());
    fields.put("headers", headers(record.headers()));
    return JSON.writeValueAsString(fields);
  }

  /** Headers as an object; a key that occurs more than once maps to an array of its values. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> headers(List<Header> headers) {
    Map<String, Object> object = new LinkedHashMap<>();
    for (Header header : headers) {
      String value = header.valueAsString();
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
}
