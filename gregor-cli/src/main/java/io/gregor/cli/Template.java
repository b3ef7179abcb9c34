package io.gregor.cli;

import io.gregor.Received;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A format string in kcat's manner, {@code gregor consume --format '%k %s'}: each {@code %} code
 * prints a field of the record, everything else prints as written, with {@code \n}, {@code \r},
 * {@code \t} and {@code \\} for a newline, a carriage return, a tab and a backslash.
 *
 * <table>
 *   <caption>The codes</caption>
 *   <tr><td>{@code %t}</td><td>topic</td></tr>
 *   <tr><td>{@code %p}</td><td>partition</td></tr>
 *   <tr><td>{@code %o}</td><td>offset</td></tr>
 *   <tr><td>{@code %k}, {@code %K}</td><td>key; its size in bytes (-1 for none)</td></tr>
 *   <tr><td>{@code %s}, {@code %S}</td><td>value; its size in bytes (-1 for a tombstone)</td></tr>
 *   <tr><td>{@code %T}</td><td>timestamp, epoch milliseconds</td></tr>
 *   <tr><td>{@code %h}</td><td>headers, {@code k=v,k=v}</td></tr>
 *   <tr><td>{@code %%}</td><td>a {@code %}</td></tr>
 * </table>
 *
 * <p>A record's output ends with a newline unless the format string ends with one itself (kcat
 * users write {@code '%s\n'}).
 */
final class Template {
  private static final String CODES = "tpokKsSTh";

  /** A piece of the format string. */
  private sealed interface Part {
    record Literal(String text) implements Part {}

    record Field(char code) implements Part {}
  }

  private final List<Part> parts;
  private final boolean endsWithNewline;

  private Template(List<Part> parts, boolean endsWithNewline) {
    this.parts = List.copyOf(parts);
    this.endsWithNewline = endsWithNewline;
  }

  /** Whether {@code format} is meant as a format string (rather than a format's name). */
  static boolean looksLikeOne(String format) {
    return format.contains("%") || format.contains("\\");
  }

  /**
   * Compiles a format string.
   *
   * @throws IllegalArgumentException naming an unknown code
   */
  static Template parse(String format) {
    List<Part> parts = new ArrayList<>();
    var literal = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if ((c == '%' || c == '\\') && i + 1 == format.length()) {
        throw new IllegalArgumentException(
            "ends with a lone '" + c + "' (write %% for a percent sign, \\\\ for a backslash)");
      }
      if (c == '%') {
        char code = format.charAt(++i);
        if (code == '%') {
          literal.append('%');
        } else if (CODES.indexOf(code) >= 0) {
          if (!literal.isEmpty()) {
            parts.add(new Part.Literal(literal.toString()));
            literal.setLength(0);
          }
          parts.add(new Part.Field(code));
        } else {
          throw new IllegalArgumentException(
              "has an unknown code %"
                  + code
                  + " (known: %t topic, %p partition, %o offset, %k key, %K key size, %s value,"
                  + " %S value size, %T timestamp, %h headers, %% a percent sign)");
        }
      } else if (c == '\\') {
        char escaped = format.charAt(++i);
        literal.append(
            switch (escaped) {
              case 'n' -> "\n";
              case 'r' -> "\r";
              case 't' -> "\t";
              case '\\' -> "\\";
              default -> "\\" + escaped;
            });
      } else {
        literal.append(c);
      }
    }
    if (!literal.isEmpty()) {
      parts.add(new Part.Literal(literal.toString()));
    }
    boolean newline =
        !parts.isEmpty()
            && parts.getLast() instanceof Part.Literal(var text)
            && text.endsWith("\n");
    return new Template(parts, newline);
  }

  /**
   * Writes the record's output, without the newline that {@link #addsNewline()} says to add; key,
   * value and headers as {@code fields} writes them.
   */
  void render(Received<byte[], byte[]> record, RecordLines fields, ByteArrayOutputStream out)
      throws RecordLines.NotText {
    for (Part part : parts) {
      switch (part) {
        case Part.Literal(var text) -> out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        case Part.Field(var code) ->
            out.writeBytes(
                switch (code) {
                  case 't' -> utf8(record.topic());
                  case 'p' -> utf8(Integer.toString(record.partition()));
                  case 'o' -> utf8(Long.toString(record.offset()));
                  case 'k' -> fields.key(record);
                  case 'K' -> utf8(Integer.toString(record.serializedKeySize()));
                  case 's' -> fields.value(record);
                  case 'S' -> utf8(Integer.toString(record.serializedValueSize()));
                  case 'T' -> utf8(Long.toString(record.timestamp().toEpochMilli()));
                  case 'h' -> fields.headers(record);
                  default -> throw new IllegalStateException("unreachable: %" + code);
                });
      }
    }
  }

  /** Whether a newline is to be added after each record (the string does not end with one). */
  boolean addsNewline() {
    return !endsWithNewline;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
