package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DelimitedInputTest {
  @Test
  void next_cutsAtNewlines_keepingCarriageReturnsAndEmptyRecords() throws IOException {
    assertThat(records("a\r\n\nb", "\n")).containsExactly("a\r", "", "b");
    assertThat(records("a\n", "\n")).containsExactly("a");
    assertThat(records("", "\n")).isEmpty();
  }

  @Test
  void next_cutsAtALongerDelimiter_evenWhenItsStartRepeats() throws IOException {
    assertThat(records("a;;;b;;c;", ";;")).containsExactly("a", ";b", "c;");
    assertThat(records("x--y-", "--")).containsExactly("x", "y-");
  }

  @Test
  void next_findsADelimiterAcrossReads() throws IOException {
    // given: a stream that returns one byte a read
    var bytes = "one<>two<<>three".getBytes(StandardCharsets.UTF_8);
    InputStream trickle =
        new ByteArrayInputStream(bytes) {
          @Override
          public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, 1));
          }
        };

    // then
    assertThat(records(trickle, "<>")).containsExactly("one", "two<", "three");
  }

  private static List<String> records(String input, String delimiter) throws IOException {
    return records(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), delimiter);
  }

  private static List<String> records(InputStream in, String delimiter) throws IOException {
    List<String> records = new ArrayList<>();
    try (var input = new DelimitedInput(in, delimiter.getBytes(StandardCharsets.UTF_8))) {
      for (byte[] record = input.next(); record != null; record = input.next()) {
        records.add(new String(record, StandardCharsets.UTF_8));
      }
    }
    return records;
  }
}
