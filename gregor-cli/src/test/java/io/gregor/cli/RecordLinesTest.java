package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gregor.Header;
import io.gregor.Received;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class RecordLinesTest {
  private static final Received<byte[], byte[]> RECORD =
      record(
          utf8("k"),
          utf8("wörld \"quoted\""),
          List.of(Header.of("a", "1"), Header.of("b", "2"), Header.of("a", "3")));

  /** Not UTF-8: a lone continuation byte, a zero, a newline. */
  private static final byte[] BINARY = {(byte) 0x80, 0, '\n'};

  @Test
  void text_printsTheValue_andWhenAskedHeadersAndKey() throws Exception {
    assertThat(text(lines(Format.TEXT, null, false, false, "\t").line(RECORD)))
        .isEqualTo("wörld \"quoted\"\n");
    assertThat(text(lines(Format.TEXT, null, true, true, ":").line(RECORD)))
        .isEqualTo("a=1,b=2,a=3\tk:wörld \"quoted\"\n");
  }

  @Test
  void json_printsEveryField_repeatedHeadersAsArrays() throws Exception {
    assertThat(text(lines(Format.JSON, null, false, false, "\t").line(RECORD)))
        .isEqualTo(
            "{\"topic\":\"orders\",\"partition\":2,\"offset\":41,"
                + "\"timestamp\":\"2025-01-31T12:00:00.123Z\",\"key\":\"k\","
                + "\"value\":\"wörld \\\"quoted\\\"\",\"headers\":{\"a\":[\"1\",\"3\"],\"b\":\"2\"}}\n");
  }

  @Test
  void template_printsEachCode_andEscapes_andAddsANewlineUnlessItEndsWithOne() throws Exception {
    var every = Template.parse("%t|%p|%o|%k|%K|%s|%S|%T|%h|%%|\\\\t:\\t.");
    var kcat = Template.parse("%k=%s\\n");

    assertThat(text(lines(Format.TEXT, every, false, false, "\t").line(RECORD)))
        .isEqualTo("orders|2|41|k|1|wörld \"quoted\"|15|1738324800123|a=1,b=2,a=3|%|\\t:\t.\n");
    assertThat(text(lines(Format.TEXT, kcat, false, false, "\t").line(RECORD)))
        .isEqualTo("k=wörld \"quoted\"\n");
  }

  @Test
  void template_withAnUnknownCode_saysWhichAndWhatIsKnown() {
    assertThatThrownBy(() -> Template.parse("%k %x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("has an unknown code %x (known: %t topic");
  }

  @Test
  void nulls_printAsAsked_byDefaultAsNothing() throws Exception {
    var tombstone = record(null, null, List.of());

    assertThat(text(lines(Format.TEXT, null, true, false, ":").line(tombstone))).isEqualTo(":\n");
    assertThat(
            text(
                new RecordLines(
                        Format.TEXT,
                        Template.parse("%k/%s/%K/%S"),
                        new RecordLines.Options(false, false, "\t", "NOKEY", "NULL", false))
                    .line(tombstone)))
        .isEqualTo("NOKEY/NULL/-1/-1\n");
  }

  @Test
  void notUtf8_isRefused_namingTheField_inEveryFormat() {
    var value = record(utf8("k"), BINARY, List.of());
    var header = record(utf8("k"), utf8("v"), List.of(new Header("h", BINARY)));

    assertThatThrownBy(() -> lines(Format.TEXT, null, false, false, "\t").line(value))
        .isInstanceOf(RecordLines.NotText.class)
        .hasMessage("the value is not valid UTF-8 (--binary writes bytes as they are)");
    assertThatThrownBy(() -> lines(Format.JSON, null, false, false, "\t").line(header))
        .hasMessage(
            "header 'h' is not valid UTF-8 (--binary writes keys, values and header values in"
                + " base64)");
    assertThatThrownBy(() -> lines(Format.TEXT, Template.parse("%k"), false, false, "").line(key()))
        .hasMessageStartingWith("the key is not valid UTF-8");
  }

  @Test
  void notUtf8_inAFieldNotPrinted_isNoReasonToRefuse() throws Exception {
    assertThat(text(lines(Format.TEXT, null, false, false, "\t").line(key()))).isEqualTo("v\n");
  }

  @Test
  void binary_writesTextAsItsBytes_andJsonInBase64() throws Exception {
    var record = record(BINARY, BINARY, List.of(new Header("h", BINARY), Header.of("n", null)));

    assertThat(binary(Format.TEXT, Template.parse("%k|%s|%h")).line(record))
        .isEqualTo(concat(BINARY, utf8("|"), BINARY, utf8("|h="), BINARY, utf8(",n=\n")));
    assertThat(text(binary(Format.JSON, null).line(record)))
        .endsWith("\"key\":\"gAAK\",\"value\":\"gAAK\",\"headers\":{\"h\":\"gAAK\",\"n\":null}}\n");
  }

  private static Received<byte[], byte[]> key() {
    return record(BINARY, utf8("v"), List.of());
  }

  private static Received<byte[], byte[]> record(byte[] key, byte[] value, List<Header> headers) {
    return new Received<>(
        "orders",
        2,
        41,
        Instant.parse("2025-01-31T12:00:00.123Z"),
        TimestampType.CREATE_TIME,
        key,
        value,
        headers,
        key == null ? -1 : key.length,
        value == null ? -1 : value.length,
        0);
  }

  private static RecordLines lines(
      Format format, Template template, boolean key, boolean headers, String separator) {
    return new RecordLines(
        format, template, new RecordLines.Options(key, headers, separator, "", "", false));
  }

  private static RecordLines binary(Format format, Template template) {
    return new RecordLines(
        format, template, new RecordLines.Options(false, false, "\t", "", "", true));
  }

  private static byte[] concat(byte[]... parts) {
    var out = new java.io.ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] line) {
    return new String(line, StandardCharsets.UTF_8);
  }
}
