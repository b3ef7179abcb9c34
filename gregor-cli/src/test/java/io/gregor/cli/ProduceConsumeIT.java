package io.gregor.cli;

import static java.util.stream.Collectors.joining;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gregor.Codecs;
import io.gregor.Message;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** {@code gregor produce} and {@code gregor consume} together, as separate processes. */
@ExtendWith(SharedKafka.class)
class ProduceConsumeIT {
  private static final int LINES = 10_000;
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path tmp;

  @Test
  void textLines_withKeysAndHeaders_comeBackUnchanged(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: keys, unicode, empty keys and values, separators inside values
    var topic = names.topic();
    kafka.createTopic(topic, 1);
    List<String> lines =
        IntStream.range(0, LINES)
            .mapToObj(
                i ->
                    switch (i % 5) {
                      case 0 -> "k" + i + ":";
                      case 1 -> "ключ-" + i + ":héllo wörld ☃ 日本語 🎉 " + i;
                      case 2 -> ":no key, value " + i;
                      case 3 -> "k" + i + ":a:b\tc " + i;
                      default -> "k" + i + ":plain " + i;
                    })
            .toList();

    // when
    var produce =
        Cli.runWithInput(
            tmp,
            String.join("\n", lines) + "\n",
            "produce",
            "-b",
            kafka.bootstrapServers(),
            "-t",
            topic,
            "--key-separator",
            ":",
            "--header",
            "source=cli",
            "--header",
            "city=Zürich");
    var consume =
        Cli.run(
            tmp,
            "consume",
            "-b",
            kafka.bootstrapServers(),
            "-t",
            topic,
            "--count",
            Integer.toString(LINES),
            "--print-key",
            "--print-headers",
            "--key-separator",
            ":");

    // then: no progress line (stderr is not a terminal), just the summary
    assertThat(produce.exitCode()).as("%s", produce).isZero();
    assertThat(produce.stdout()).isEmpty();
    assertThat(produce.stderrLines()).containsExactly("gregor produce: 10000 sent, 0 failed");
    assertThat(consume.exitCode()).as("%s", consume).isZero();
    assertThat(consume.stderrLines()).containsExactly("gregor consume: 10000 records");
    assertThat(consume.stdoutLines())
        .containsExactlyElementsOf(
            lines.stream().map(line -> "source=cli,city=Zürich\t" + line).toList());
  }

  @Test
  void jsonLines_withPartitionsHeadersAndTombstones_comeBackUnchanged_andCanBeSentAgain(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic("first");
    var copy = names.topic("copy");
    kafka.createTopic(topic, 3);
    kafka.createTopic(copy, 3);
    List<ObjectNode> inputs =
        IntStream.range(0, LINES).mapToObj(ProduceConsumeIT::jsonInput).toList();
    String input =
        String.join("\n", inputs.stream().map(JsonNode::toString).toList())
            + "\n\n"; // a blank line is skipped

    // when
    var produce =
        Cli.runWithInput(
            tmp, input, "produce", "-b", kafka.bootstrapServers(), "-t", topic, "-f", "json");
    var consume =
        Cli.run(
            tmp,
            "consume",
            "-b",
            kafka.bootstrapServers(),
            "-t",
            topic,
            "-n",
            Integer.toString(LINES),
            "--format",
            "json");

    // then
    assertThat(produce.exitCode()).as("%s", produce).isZero();
    assertThat(produce.stderrLines()).containsExactly("gregor produce: 10000 sent, 0 failed");
    assertThat(consume.exitCode()).as("%s", consume).isZero();
    List<JsonNode> records = consume.stdoutLines().stream().map(JSON::readTree).toList();
    assertThat(records).hasSize(LINES);
    assertThat(records).allSatisfy(r -> assertThat(r.get("topic").stringValue()).isEqualTo(topic));
    assertThat(byPartition(records, ProduceConsumeIT::keyValueHeaders))
        .isEqualTo(byPartition(inputs, ProduceConsumeIT::keyValueHeaders));
    assertThat(records).allSatisfy(r -> assertThat(r.get("timestamp").stringValue()).endsWith("Z"));

    // when: what consume printed is produce's input, to another topic
    var again =
        Cli.runWithInput(
            tmp,
            consume.stdout(),
            "produce",
            "-b",
            kafka.bootstrapServers(),
            "-t",
            copy,
            "-f",
            "json");
    var copied =
        Cli.run(
            tmp,
            "consume",
            "-b",
            kafka.bootstrapServers(),
            "-t",
            copy,
            "-n",
            Integer.toString(LINES),
            "-f",
            "json");

    // then: the same records, timestamps included
    assertThat(again.exitCode()).as("%s", again).isZero();
    List<JsonNode> copies = copied.stdoutLines().stream().map(JSON::readTree).toList();
    assertThat(byPartition(copies, ProduceConsumeIT::withoutTopic))
        .isEqualTo(byPartition(records, ProduceConsumeIT::withoutTopic));
  }

  @Test
  void jsonCopy_toATopicWithFewerPartitions_worksWithIgnorePartition(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: 30 keyed records over 3 partitions, printed as JSON lines
    var source = names.topic("source");
    var target = names.topic("target");
    kafka.createTopic(source, 3);
    kafka.createTopic(target, 1);
    String lines =
        IntStream.range(0, 30).mapToObj(i -> "k" + i + ":v" + i).collect(joining("\n")) + "\n";
    var produce =
        Cli.runWithInput(
            tmp, lines, "produce", "-b", kafka.bootstrapServers(), "-t", source, "-K", ":");
    assertThat(produce.exitCode()).as("%s", produce).isZero();
    var printed =
        Cli.run(
            tmp, "consume", "-b", kafka.bootstrapServers(), "-t", source, "-n", "30", "-f", "json");

    // when: the guide's copy recipe, to a topic of one partition
    var copy =
        Cli.runWithInput(
            tmp,
            printed.stdout(),
            "produce",
            "-b",
            kafka.bootstrapServers(),
            "-t",
            target,
            "-f",
            "json",
            "--ignore-partition");

    // then
    assertThat(copy.exitCode()).as("%s", copy).isZero();
    assertThat(copy.stderrLines()).containsExactly("gregor produce: 30 sent, 0 failed");
    var copied = Cli.run(tmp, "consume", "-b", kafka.bootstrapServers(), "-t", target, "-n", "30");
    assertThat(copied.stdoutLines())
        .containsExactlyInAnyOrderElementsOf(
            IntStream.range(0, 30).mapToObj(i -> "v" + i).toList());
  }

  @Test
  void consume_inAGroup_commitsWhatItPrinted_atItsCountAndOnCtrlC(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: values 1 to 10
    var topic = names.topic();
    var group = names.group();
    kafka.createTopic(topic, 1);
    send(kafka, topic, 1, 10);

    // when
    var first =
        Cli.run(
            tmp, "consume", "-b", kafka.bootstrapServers(), "-t", topic, "-g", group, "-n", "3");
    List<String> rest;
    Cli.Result second;
    int exitOnSignal;
    try (var consume =
        Cli.start(tmp, "", "consume", "-b", kafka.bootstrapServers(), "-t", topic, "-g", group)) {
      consume.awaitStdoutLines(7, Duration.ofSeconds(60));
      exitOnSignal = consume.signal("INT");
      second = consume.await(Duration.ofSeconds(30));
      rest = second.stdoutLines();
    }

    // then: the second run went on where the first stopped, and Ctrl-C committed what it printed
    assertThat(first.stdoutLines()).containsExactly("1", "2", "3");
    assertThat(second.exitCode()).as("%s", second).isEqualTo(exitOnSignal);
    assertThat(rest).containsExactly("4", "5", "6", "7", "8", "9", "10");
    assertThat(second.stderrLines()).containsExactly("gregor consume: 7 records");
    assertThat(committed(kafka, group, topic)).isEqualTo(10);
  }

  @Test
  void consume_withNoCommit_commitsNothing(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic();
    var group = names.group();
    kafka.createTopic(topic, 1);
    send(kafka, topic, 1, 5);

    // when
    var consume =
        Cli.run(
            tmp,
            "consume",
            "-b",
            kafka.bootstrapServers(),
            "-t",
            topic,
            "-g",
            group,
            "-n",
            "3",
            "--no-commit");

    // then
    assertThat(consume.stdoutLines()).containsExactly("1", "2", "3");
    assertThat(committed(kafka, group, topic)).isNull();
  }

  @Test
  void consume_startsWhereItIsTold(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: values 1 to 10 at offsets 0 to 9, and a group that has read them all
    var topic = names.topic();
    var group = names.group();
    kafka.createTopic(topic, 1);
    send(kafka, topic, 1, 10);
    var bootstrap = kafka.bootstrapServers();
    try (var admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
      admin
          .alterConsumerGroupOffsets(
              group, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(10)))
          .all()
          .get();
    }

    // when
    var atOffset =
        Cli.run(tmp, "consume", "-b", bootstrap, "-t", topic, "--offset", "7", "-n", "2");
    var fromEnd =
        Cli.run(tmp, "consume", "-b", bootstrap, "-t", topic, "--offset", "-2", "-n", "2");
    var again =
        Cli.run(
            tmp,
            "consume",
            "-b",
            bootstrap,
            "-t",
            topic,
            "-g",
            group,
            "--from-beginning",
            "-n",
            "2");

    // then
    assertThat(atOffset.stdoutLines()).as("%s", atOffset).containsExactly("8", "9");
    assertThat(fromEnd.stdoutLines()).as("%s", fromEnd).containsExactly("9", "10");
    assertThat(again.stdoutLines()).as("%s", again).containsExactly("1", "2");
  }

  @Test
  void consume_withAPattern_readsEveryMatchingTopic(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    var prefix = names.topic();
    kafka.createTopic(prefix + "-a", 1);
    kafka.createTopic(prefix + "-b", 1);
    send(kafka, prefix + "-a", 1, 1);
    send(kafka, prefix + "-b", 2, 2);

    // when
    var consume =
        Cli.run(
            tmp,
            "consume",
            "-b",
            kafka.bootstrapServers(),
            "--pattern",
            prefix.replace(".", "\\.") + "-.*",
            "-n",
            "2");

    // then
    assertThat(consume.exitCode()).as("%s", consume).isZero();
    assertThat(consume.stdoutLines()).containsExactlyInAnyOrder("1", "2");
  }

  @Test
  void produce_showsOneProgressLine_whenAsked_andNoneOtherwiseWithoutATerminal(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: two producers whose input stays open
    var topic = names.topic();
    kafka.createTopic(topic, 1);
    try (var shown =
            Cli.startPiped(
                tmp, "produce", "-b", kafka.bootstrapServers(), "-t", topic, "--progress", "on");
        var auto = Cli.startPiped(tmp, "produce", "-b", kafka.bootstrapServers(), "-t", topic)) {
      for (var cli : List.of(shown, auto)) {
        cli.stdin().write("line\n".repeat(1500).getBytes(StandardCharsets.UTF_8));
        cli.stdin().flush();
      }

      // when: the first has shown its progress line (a second after it started)
      await().atMost(Duration.ofSeconds(60)).until(() -> shown.stderr().contains("records/s"));
      shown.stdin().close();
      auto.stdin().close();
      var withProgress = shown.await(Duration.ofSeconds(30));
      var without = auto.await(Duration.ofSeconds(30));

      // then: one line, rewritten in place, ended before the summary; numbers written alike
      assertThat(withProgress.exitCode()).isZero();
      assertThat(withProgress.stderr())
          .startsWith("\rgregor produce: 1500 records, ")
          .containsPattern("\\d records/s, \\d+\\.\\d MB/s")
          .endsWith("\ngregor produce: 1500 sent, 0 failed\n");
      assertThat(withProgress.stderr().split("\n")).hasSize(2);
      assertThat(without.exitCode()).isZero();
      assertThat(without.stderr()).isEqualTo("gregor produce: 1500 sent, 0 failed\n");
    }
  }

  // ------------------------------------------------------------------ helpers

  private static ObjectNode jsonInput(int i) {
    var line = JSON.createObjectNode();
    if (i % 7 != 0) {
      line.put("key", i % 3 == 0 ? "ключ " + i : "k" + i);
    }
    switch (i % 10) {
      case 0 -> line.put("value", "");
      case 1 -> line.put("value", "héllo ☃ 日本語 🎉 \"quoted\" back\\slash\nsecond line " + i);
      case 2 -> line.putNull("value"); // a tombstone
      default -> line.put("value", "v" + i);
    }
    var headers = line.putObject("headers");
    if (i % 4 == 0) {
      headers.put("trace", "t-" + i);
      headers.putArray("dup").add("a").add("b");
      headers.putNull("empty");
    }
    line.put("partition", i % 3);
    return line;
  }

  /** The values of each partition in order, each made by {@code f}. */
  private static Map<Integer, List<JsonNode>> byPartition(
      List<? extends JsonNode> records, java.util.function.Function<JsonNode, JsonNode> f) {
    Map<Integer, List<JsonNode>> partitions = new LinkedHashMap<>();
    records.stream()
        .sorted(Comparator.comparingInt(r -> r.get("partition").intValue()))
        .forEach(
            r ->
                partitions
                    .computeIfAbsent(r.get("partition").intValue(), p -> new ArrayList<>())
                    .add(f.apply(r)));
    return partitions;
  }

  private static JsonNode keyValueHeaders(JsonNode record) {
    var node = JSON.createObjectNode();
    node.set("key", record.has("key") ? record.get("key") : JSON.nullNode());
    node.set("value", record.get("value"));
    node.set("headers", record.get("headers"));
    return node;
  }

  private static JsonNode withoutTopic(JsonNode record) {
    var node = record.deepCopy();
    ((ObjectNode) node).remove("topic");
    return node;
  }

  /** Sends the values from..to (as text) with a Gregor producer. */
  private static void send(EmbeddedKafka kafka, String topic, int from, int to) {
    try (var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string()))) {
      for (int value = from; value <= to; value++) {
        producer.input().send(Message.of(topic, Integer.toString(value)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The group's committed offset of partition 0, or null. */
  private static Long committed(EmbeddedKafka kafka, String group, String topic) throws Exception {
    try (var admin =
        Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      var offset = offsets.get(new TopicPartition(topic, 0));
      return offset == null ? null : offset.offset();
    }
  }
}
