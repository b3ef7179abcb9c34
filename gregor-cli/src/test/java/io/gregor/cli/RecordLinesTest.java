package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.Header;
import io.gregor.Received;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class RecordLinesTest {
  private static final Received<String, String> RECORD =
      new Received<>(
          "orders",
          2,
          41,
          Instant.parse("2025-01-31T12:00:00.123Z"),
          TimestampType.CREATE_TIME,
          "k",
          "wörld \"quoted\"",
          List.of(Header.of("a", "1"), Header.of("b", "2"), Header.of("a", "3")),
          1,
          14,
          0);

  @Test
  void text_printsTheValue_andWhenAskedHeadersAndKey() {
    assertThat(new RecordLines(Format.TEXT, false, false, "\t").line(RECORD))
        .isEqualTo("wörld \"quoted\"");
    assertThat(new RecordLines(Format.TEXT, true, true, ":").line(RECORD))
        .isEqualTo("a=1,b=2,a=3\tk:wörld \"quoted\"");
  }

  @Test
  void json_printsEveryField_repeatedHeadersAsArrays() {
    assertThat(new RecordLines(Format.JSON, false, false, "\t").line(RECORD))
        .isEqualTo(
            "{\"topic\":\"orders\",\"partition\":2,\"offset\":41,"
                + "\"timestamp\":\"2025-01-31T12:00:00.123Z\",\"key\":\"k\","
                + "\"value\":\"wörld \\\"quoted\\\"\",\"headers\":{\"a\":[\"1\",\"3\"],\"b\":\"2\"}}");
  }
}
