package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gregor.Header;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineParserTest {
  private static final List<Header> COMMON = List.of(Header.of("source", "cli"));

  @Test
  void text_withoutASeparator_isTheValue_emptyLinesIncluded() throws Exception {
    var parser = new LineParser(Format.TEXT, "t", null, null, List.of(), null, false, false);

    assertThat(parser.parse("a:b").value()).isEqualTo("a:b");
    assertThat(parser.parse("a:b").key()).isNull();
    assertThat(parser.parse("").value()).isEmpty();
  }

  @Test
  void text_withASeparator_splitsAtTheFirst_andAddsTheCommonHeadersAndPartition() throws Exception {
    var parser = new LineParser(Format.TEXT, "t", "::", 2, COMMON, null, false, false);

    var message = parser.parse("k::v::w");

    assertThat(message.topic()).isEqualTo("t");
    assertThat(message.key()).isEqualTo("k");
    assertThat(message.value()).isEqualTo("v::w");
    assertThat(message.partition()).isEqualTo(2);
    assertThat(message.headers()).isEqualTo(COMMON);
    assertThatThrownBy(() -> parser.parse("no separator"))
        .isInstanceOf(LineParser.BadLine.class)
        .hasMessageContaining("no key separator '::'");
  }

  @Test
  void json_readsEveryField_stringsAsText_otherValuesAsJson() throws Exception {
    var parser = new LineParser(Format.JSON, "t", null, 1, COMMON, null, false, false);

    var message =
        parser.parse(
            """
            {"key": {"id": 7}, "value": "v", "partition": 0, "timestamp": "2025-01-31T12:00:00Z",\
             "headers": {"a": "1", "b": ["2", "3"], "c": null}, "topic": "ignored", "offset": 9}\
            """);

    assertThat(message.key()).isEqualTo("{\"id\":7}");
    assertThat(message.value()).isEqualTo("v");
    assertThat(message.partition()).isZero();
    assertThat(message.timestamp()).isEqualTo(Instant.parse("2025-01-31T12:00:00Z"));
    assertThat(message.headers())
        .containsExactly(
            Header.of("source", "cli"),
            Header.of("a", "1"),
            Header.of("b", "2"),
            Header.of("b", "3"),
            Header.of("c", null));
    assertThat(message.tombstone()).isFalse();
  }

  @Test
  void json_nullValueIsATombstone_blankLinesAreSkipped_defaultsApply() throws Exception {
    var parser = new LineParser(Format.JSON, "t", null, 1, List.of(), null, false, false);

    var tombstone = parser.parse("{\"key\": \"k\", \"value\": null}");

    assertThat(tombstone.tombstone()).isTrue();
    assertThat(tombstone.value()).isNull();
    assertThat(tombstone.partition()).isEqualTo(1);
    assertThat(parser.parse("  ")).isNull();
    assertThat(parser.parse("{\"value\": 12.5, \"timestamp\": 1000}").value()).isEqualTo("12.5");
  }

  @Test
  void json_badLines_sayWhatIsWrong() {
    var parser = new LineParser(Format.JSON, "t", null, null, List.of(), null, false, false);

    assertBad(parser, "{\"value\": 1", "not valid JSON");
    assertBad(parser, "{\"value\": 1} trailing", "not valid JSON");
    assertBad(parser, "{\"value\": 1, \"value\": 2}", "not valid JSON");
    assertBad(parser, "\"just a string\"", "expected a JSON object");
    assertBad(parser, "{\"key\": \"k\"}", "no \"value\"");
    assertBad(parser, "{\"value\": 1, \"vlaue\": 2}", "unknown field \"vlaue\"");
    assertBad(parser, "{\"value\": 1, \"partition\": -1}", "\"partition\" must be");
    assertBad(parser, "{\"value\": 1, \"partition\": \"0\"}", "\"partition\" must be");
    assertBad(parser, "{\"value\": 1, \"headers\": [\"a\"]}", "\"headers\" must be an object");
    assertBad(parser, "{\"value\": 1, \"timestamp\": \"today\"}", "\"timestamp\" must be");
  }

  private static void assertBad(LineParser parser, String line, String message) {
    assertThatThrownBy(() -> parser.parse(line))
        .as(line)
        .isInstanceOf(LineParser.BadLine.class)
        .hasMessageContaining(message);
  }

  @Test
  void json_withIgnorePartition_dropsTheLinesPartition_butKeepsTheCommonOne() throws Exception {
    var ignoring = new LineParser(Format.JSON, "t", null, null, List.of(), null, false, true);
    var common = new LineParser(Format.JSON, "t", null, 1, List.of(), null, false, true);

    String consumed = "{\"topic\":\"src\",\"partition\":7,\"offset\":3,\"value\":\"v\"}";
    assertThat(ignoring.parse(consumed).partition()).isNull();
    assertThat(common.parse(consumed).partition()).isEqualTo(1);
  }
}
