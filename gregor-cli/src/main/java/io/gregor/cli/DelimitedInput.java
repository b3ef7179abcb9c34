package io.gregor.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@code gregor produce}'s input cut into records at a delimiter ({@code \n} unless {@code
 * --delimiter}), as bytes: nothing is decoded or dropped here, so a {@code \r} before a newline
 * stays (unless the caller strips it), and invalid UTF-8 can be refused with its record's number.
 * Input that ends without a delimiter ends with one last record; input that ends with one does not
 * get an empty record after it.
 */
final class DelimitedInput implements AutoCloseable {
  private static final int BUFFER = 1 << 16;

  private final InputStream in;
  private final byte[] delimiter;
  private final byte[] buffer;
  private int position;
  private int limit;
  private boolean ended;

  DelimitedInput(InputStream in, byte[] delimiter) {
    if (delimiter.length == 0) {
      throw new IllegalArgumentException("the delimiter must not be empty");
    }
    this.in = in;
    this.delimiter = delimiter.clone();
    this.buffer = new byte[BUFFER + delimiter.length]; // room to push back a partial delimiter
  }

  /**
   * A delimiter as typed: the text's UTF-8 bytes, with {@code \n}, {@code \r}, {@code \t}, {@code
   * \0} and {@code \\} for a newline, a carriage return, a tab, a zero byte and a backslash.
   *
   * @throws IllegalArgumentException when it is empty
   */
  static byte[] delimiter(String typed) {
    var text = new StringBuilder();
    for (int i = 0; i < typed.length(); i++) {
      char c = typed.charAt(i);
      if (c == '\\' && i + 1 < typed.length()) {
        char escaped = typed.charAt(++i);
        switch (escaped) {
          case 'n' -> text.append('\n');
          case 'r' -> text.append('\r');
          case 't' -> text.append('\t');
          case '0' -> text.append('\0');
          case '\\' -> text.append('\\');
          default -> text.append('\\').append(escaped);
        }
      } else {
        text.append(c);
      }
    }
    if (text.isEmpty()) {
      throw new IllegalArgumentException("must not be empty");
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The next record's bytes, without the delimiter; null at the end of the input. */
  byte[] next() throws IOException {
    var record = new ByteArrayOutputStream();
    int matched = 0; // bytes of the delimiter matched so far, held back from the record
    while (true) {
      if (position == limit) {
        if (ended || !fill()) {
          record.write(delimiter, 0, matched); // a delimiter's beginning at the very end
          return record.size() == 0 ? null : record.toByteArray();
        }
      }
      byte b = buffer[position++];
      if (b == delimiter[matched]) {
        matched++;
        if (matched == delimiter.length) {
          return record.toByteArray();
        }
      } else if (matched > 0) {
        // Give back all but the first held byte and match again (delimiters are short).
        record.write(delimiter[0]);
        byte[] rest = Arrays.copyOfRange(delimiter, 1, matched);
        matched = 0;
        position--;
        pushBack(rest);
      } else {
        record.write(b);
      }
    }
  }

  private boolean fill() throws IOException {
    int read = in.read(buffer, 0, BUFFER);
    if (read <= 0) {
      ended = true;
      return false;
    }
    position = 0;
    limit = read;
    return true;
  }

  /** Puts bytes back before the current position (they came from the buffer just before it). */
  private void pushBack(byte[] bytes) {
    if (position >= bytes.length) {
      position -= bytes.length;
      System.arraycopy(bytes, 0, buffer, position, bytes.length);
      return;
    }
    byte[] merged = new byte[bytes.length + (limit - position)];
    System.arraycopy(bytes, 0, merged, 0, bytes.length);
    System.arraycopy(buffer, position, merged, bytes.length, limit - position);
    System.arraycopy(merged, 0, buffer, 0, merged.length);
    position = 0;
    limit = merged.length;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
