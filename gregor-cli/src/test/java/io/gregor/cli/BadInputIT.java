package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What the commands do with input they cannot use: one clear line, the right exit code. */
@ExtendWith(SharedKafka.class)
class BadInputIT {
  @TempDir Path tmp;

  @Test
  void produce_toAnUnreachableBroker_saysSoWithinTheDefaultTimeout_andExitsWith1()
      throws Exception {
    // given
    var nobody = "127.0.0.1:" + closedPort();

    // when
    var produce = Cli.runWithInput(tmp, "hello\n", "produce", "-t", "greetings", "-b", nobody);

    // then: 10 s by default, plus the JVM's start
    assertThat(produce.exitCode()).as("%s", produce).isEqualTo(1);
    assertThat(produce.took()).isLessThan(Duration.ofSeconds(30));
    assertThat(produce.stdout()).isEmpty();
    assertThat(produce.stderrLines())
        .containsExactly(
            "gregor produce: cannot reach Kafka at "
                + nobody
                + " within 10 s (is a broker running there? ./gregor broker starts one;"
                + " --timeout waits longer)");
  }

  @ParameterizedTest
  @CsvSource({
    "consume -t greetings, gregor consume",
    "topics list, gregor topics list",
    "topics create greetings, gregor topics create"
  })
  void otherCommands_withAnUnreachableBroker_sayTheSame_withinTheirTimeout(
      String command, String name) throws Exception {
    // given
    var nobody = "127.0.0.1:" + closedPort();
    var args = (command + " --timeout 2s -b " + nobody).split(" ");

    // when
    var result = Cli.run(tmp, args);

    // then
    assertThat(result.exitCode()).as("%s", result).isEqualTo(1);
    assertThat(result.stderrLines())
        .singleElement()
        .asString()
        .startsWith(name + ": cannot reach Kafka at " + nobody + " within 2 s");
  }

  @ParameterizedTest
  @ValueSource(strings = {"produce", "consume"})
  void aTopicThatDoesNotExist_onABrokerThatDoesNotCreateTopics_isAClearError(
      String command, EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic();

    // when
    var result = Cli.runWithInput(tmp, "x\n", command, "-t", topic, "-b", kafka.bootstrapServers());

    // then
    assertThat(result.exitCode()).as("%s", result).isEqualTo(1);
    assertThat(result.stdout()).isEmpty();
    assertThat(result.stderrLines())
        .containsExactly(
            "gregor "
                + command
                + ": topic '"
                + topic
                + "' does not exist, and the broker does not create topics automatically;"
                + " create it with: gregor topics create "
                + topic);
  }

  @Test
  void malformedJsonLines_areReportedWithTheirNumbers_andTheOthersAreSent(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic();
    kafka.createTopic(topic, 1);
    var input =
        """
        {"key": "a", "value": "first"}
        {"key": "b", "value": "second"
        not json at all
        {"key": "c", "value": "third"}
        {"key": "d"}
        {"value": "fourth", "partition": 5}
        ["an", "array"]
        {"value": "fifth", "headers": {"h": "v"}}
        """;

    // when
    var produce =
        Cli.runWithInput(
            tmp, input, "produce", "-t", topic, "-f", "json", "-b", kafka.bootstrapServers());
    var consume = Cli.run(tmp, "consume", "-t", topic, "-n", "3", "-b", kafka.bootstrapServers());

    // then
    assertThat(produce.exitCode()).as("%s", produce).isEqualTo(1);
    assertThat(produce.stderrLines())
        .hasSize(6)
        .anySatisfy(line -> assertThat(line).startsWith("gregor produce: line 2: not valid JSON: "))
        .anySatisfy(line -> assertThat(line).startsWith("gregor produce: line 3: not valid JSON: "))
        .contains(
            "gregor produce: line 5: no \"value\" (use \"value\": null for a tombstone)",
            "gregor produce: line 6: partition 5 does not exist: topic '"
                + topic
                + "' has 1 partitions (0 to 0)",
            "gregor produce: line 7: expected a JSON object like {\"key\": \"k\", \"value\": \"v\"},"
                + " got an array")
        .endsWith("gregor produce: 3 sent, 5 failed");
    assertThat(consume.stdoutLines()).containsExactly("first", "third", "fifth");
  }

  @Test
  void aPartitionTheTopicDoesNotHave_isRefusedBeforeReadingInput(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic();
    kafka.createTopic(topic, 2);

    // when
    var produce =
        Cli.runWithInput(
            tmp, "x\n", "produce", "-t", topic, "-p", "2", "-b", kafka.bootstrapServers());

    // then
    assertThat(produce.exitCode()).isEqualTo(1);
    assertThat(produce.stderrLines())
        .containsExactly(
            "gregor produce: partition 2 does not exist: topic '"
                + topic
                + "' has 2 partitions (0 to 1)");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "produce",
        "produce -t t --format xml",
        "produce -t t --acks 2",
        "produce -t t -f json --key-separator :",
        "produce -t t --bootstrap localhost",
        "consume -t t --pattern t.*",
        "consume -t t --offset 3 --since 10m",
        "consume -t t --since yesterday",
        "consume -t t --no-commit",
        "topics",
        "topics create",
        "topics create t --partitions 0",
        "demo --timeout soon"
      })
  void badArguments_printTheUsage_andExitWith2(String args) throws Exception {
    // when
    var result = Cli.run(tmp, args.split(" "));

    // then
    var command = args.split(" ")[0];
    assertThat(result.exitCode()).as("%s", result).isEqualTo(2);
    assertThat(result.stdout()).isEmpty();
    assertThat(result.stderr()).contains("Usage: gregor " + command).doesNotContain("\tat ");
  }

  /** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
  private static int closedPort() throws IOException {
    try (var socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}
