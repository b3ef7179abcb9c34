package io.gregor.cli;

import io.gregor.Header;
import io.gregor.Received;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * How {@code gregor consume} writes a record as one line.
 *
 * <ul>
 *   <li>{@code text}: {@code [HEADERS<TAB>][KEY<SEP>]VALUE}, headers as {@code k=v,k=v}; a missing
 *       key or value prints as {@code null}.
 *   <li>{@code json}: {@code {"topic", "partition", "offset", "timestamp" (ISO-8601), "key",
 *       "value", "headers"}}; key and value are strings or {@code null}; headers an object whose
 *       values are strings (or {@code null}), or arrays of them for a key that occurs more than
 *       once. {@code gregor produce --format json} reads these lines back.
 * </ul>
 */
final class RecordLines {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private final Format format;
  private final boolean printKey;
  private final boolean printHeaders;
  private final String keySeparator;

  RecordLines(Format format, boolean printKey, boolean printHeaders, String keySeparator) {
    this.format = format;
    this.printKey = printKey;
    this.printHeaders = printHeaders;
    this.keySeparator = keySeparator;
  }

  String line(Received<String, String> record) {
    return switch (format) {
      case TEXT -> text(record);
      case JSON -> json(record);
    };
  }

  private String text(Received<String, String> record) {
    var line = new StringBuilder();
    if (printHeaders) {
      line.append(
              record.headers().stream()
                  .map(h -> h.key() + "=" + h.valueAsString())
                  .collect(Collectors.joining(",")))
          .append('\t');
    }
    if (printKey) {
      line.append(record.key()).append(keySeparator);
    }
    return line.append(record.value()).toString();
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
