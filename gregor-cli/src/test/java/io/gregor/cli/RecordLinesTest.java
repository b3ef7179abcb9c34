package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    assertThat(lines(Format.TEXT, null, false, false, "\t").line(RECORD))
        .isEqualTo("wörld \"quoted\"\n");
    assertThat(lines(Format.TEXT, null, true, true, ":").line(RECORD))
        .isEqualTo("a=1,b=2,a=3\tk:wörld \"quoted\"\n");
  }

  @Test
  void json_printsEveryField_repeatedHeadersAsArrays() {
    assertThat(lines(Format.JSON, null, false, false, "\t").line(RECORD))
        .isEqualTo(
            "{\"topic\":\"orders\",\"partition\":2,\"offset\":41,"
                + "\"timestamp\":\"2025-01-31T12:00:00.123Z\",\"key\":\"k\","
                + "\"value\":\"wörld \\\"quoted\\\"\",\"headers\":{\"a\":[\"1\",\"3\"],\"b\":\"2\"}}\n");
  }

  @Test
  void template_printsEachCode_andEscapes_andAddsANewlineUnlessItEndsWithOne() {
    var every = Template.parse("%t|%p|%o|%k|%K|%s|%S|%T|%h|%%|\\\\t:\\t.");
    var kcat = Template.parse("%k=%s\\n");

    assertThat(lines(Format.TEXT, every, false, false, "\t").line(RECORD))
        .isEqualTo("orders|2|41|k|1|wörld \"quoted\"|14|1738324800123|a=1,b=2,a=3|%|\\t:\t.\n");
    assertThat(lines(Format.TEXT, kcat, false, false, "\t").line(RECORD))
        .isEqualTo("k=wörld \"quoted\"\n");
  }

  @Test
  void template_withAnUnknownCode_saysWhichAndWhatIsKnown() {
    assertThatThrownBy(() -> Template.parse("%k %x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("has an unknown code %x (known: %t topic");
  }

  @Test
  void nulls_printAsAsked_byDefaultAsNothing() {
    var tombstone =
        new Received<String, String>(
            "t", 0, 0, Instant.EPOCH, TimestampType.CREATE_TIME, null, null, List.of(), -1, -1, 0);

    assertThat(lines(Format.TEXT, null, true, false, ":").line(tombstone)).isEqualTo(":\n");
    assertThat(
            new RecordLines(
                    Format.TEXT,
                    Template.parse("%k/%s/%K/%S"),
                    new RecordLines.Options(false, false, "\t", "NOKEY", "NULL"))
                .line(tombstone))
        .isEqualTo("NOKEY/NULL/-1/-1\n");
  }

  private static RecordLines lines(
      Format format, Template template, boolean key, boolean headers, String separator) {
    return new RecordLines(
        format, template, new RecordLines.Options(key, headers, separator, "", ""));
  }
}
