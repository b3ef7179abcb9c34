package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code gregor console}: operations as JSON lines in, every event as a JSON line out; a line that
 * is not an operation gets an error line naming the problem, and the console goes on.
 */
@ExtendWith(SharedKafka.class)
class ConsoleIT {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path tmp;

  private static List<JsonNode> json(List<String> lines) {
    return lines.stream().map(JSON::readTree).toList();
  }

  private static void write(Cli cli, String line) throws Exception {
    cli.stdin().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    cli.stdin().flush();
  }

  @Test
  void producer_sendsAndFlushes_andReportsEachOutcomeAsJson(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    String topic = names.topic();

    // when
    var result =
        Cli.runWithInput(
            tmp,
            String.join(
                "\n",
                "{\"op\":\"send\",\"topic\":\"" + topic + "\",\"key\":\"k\",\"value\":\"v\"}",
                "{\"op\":\"send\",\"topic\":\"" + topic + "\",\"value\":\"w\",\"partition\":3}",
                "{\"op\":\"flush\"}",
                ""),
            "console",
            "producer",
            "-b",
            kafka.bootstrapServers());

    // then
    assertThat(result.exitCode()).as("%s", result).isZero();
    var lines = json(result.stdoutLines());
    assertThat(lines)
        .anySatisfy(
            line -> {
              assertThat(line.get("type").asString()).isEqualTo("data");
              assertThat(line.get("topic").asString()).isEqualTo(topic);
              assertThat(line.get("offset").asLong()).isZero();
              assertThat(line.get("key").asString()).isEqualTo("k");
            })
        .anySatisfy(
            line -> {
              assertThat(line.get("type").asString()).isEqualTo("error");
              assertThat(line.get("kind").asString()).isEqualTo("INVALID_MESSAGE");
            })
        .anySatisfy(
            line ->
                assertThat(line.toString())
                    .isEqualTo("{\"type\":\"result\",\"op\":\"flush\",\"value\":null}"));
    assertThat(lines.getLast().toString()).isEqualTo("{\"type\":\"eof\"}");
  }

  @Test
  void consumer_subscribesReadsAndCommits_andRefusesBadLinesWithoutStopping(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: two records
    kafka.createTopic(names.topic(), 1);
    String topic = names.topic();
    Cli.runWithInput(
        tmp,
        "{\"op\":\"send\",\"topic\":\""
            + topic
            + "\",\"key\":\"a\",\"value\":\"1\"}\n"
            + "{\"op\":\"send\",\"topic\":\""
            + topic
            + "\",\"key\":\"b\",\"value\":\"2\"}\n",
        "console",
        "producer",
        "-b",
        kafka.bootstrapServers());
    try (var console =
        Cli.startPiped(
            tmp,
            "console",
            "consumer",
            "-g",
            names.group(),
            "-X",
            "auto.offset.reset=earliest",
            "-b",
            kafka.bootstrapServers())) {

      // when: bad lines among good ones
      write(console, "{\"op\":\"subscribe\",\"topics\":[\"" + topic + "\"]}");
      write(console, "{\"op\":\"nope\"}");
      write(console, "{\"topics\":[\"x\"]}");
      write(console, "{\"op\":\"seek\",\"topic\":\"" + topic + "\",\"partition\":0}");
      write(
          console,
          "{\"op\":\"seek\",\"topic\":\"" + topic + "\",\"partition\":0,\"offset\":\"x\"}");
      write(console, "not json");
      await()
          .atMost(PATIENCE)
          .until(() -> console.stdout().lines().filter(l -> l.contains("\"data\"")).count() == 2);
      write(console, "{\"op\":\"commit\"}");
      write(console, "{\"op\":\"subscriptions\"}");
      console.stdin().close();
      var result = console.await(PATIENCE);

      // then
      assertThat(result.exitCode()).as("%s", result).isZero();
      var lines = json(result.stdoutLines());
      var errors =
          lines.stream()
              .filter(l -> l.get("type").asString().equals("error"))
              .map(l -> l.get("message").asString())
              .toList();
      assertThat(errors)
          .containsExactly(
              "line 2: unknown op 'nope' for a consumer; known: "
                  + String.join(", ", ConsoleOperations.names(true)),
              "line 3: missing \"op\": say which operation, e.g. {\"op\":\"subscriptions\"}",
              "line 4: op 'seek' needs \"offset\"",
              "line 5: op 'seek': \"offset\" must be a whole number, was \"x\"",
              "line 6: not JSON: Unrecognized token 'not': was expecting (JSON String, Number,"
                  + " Array, Object or token 'null', 'true' or 'false')");
      assertThat(lines)
          .filteredOn(l -> l.get("type").asString().equals("data"))
          .extracting(l -> l.get("key").asString() + "=" + l.get("value").asString())
          .containsExactly("a=1", "b=2");
      assertThat(lines)
          .anySatisfy(
              l ->
                  assertThat(l.toString())
                      .isEqualTo(
                          "{\"type\":\"result\",\"op\":\"commit\",\"value\":{\""
                              + topic
                              + "-0\":{\"offset\":2,\"metadata\":\"\"}}}"))
          .anySatisfy(
              l ->
                  assertThat(l.toString())
                      .isEqualTo(
                          "{\"type\":\"result\",\"op\":\"subscriptions\",\"value\":[\""
                              + topic
                              + "\"]}"));
      assertThat(lines.getLast().toString()).isEqualTo("{\"type\":\"eof\"}");
    }
  }
}
