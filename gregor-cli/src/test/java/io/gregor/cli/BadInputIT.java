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
                + "' has 1 partition (0 to 0)",
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
        "consume -t t -g g -p 0",
        "consume -t t -f json --print-key",
        "consume -t t -f %x",
        "produce -t t -f json --tombstone-marker X",
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

  @Test
  void aKafkaSettingWithoutEquals_isAUsageErrorSaidOnce() throws Exception {
    // when
    var list = Cli.run(tmp, "topics", "list", "-X", "foo");

    // then
    assertThat(list.exitCode()).as("%s", list).isEqualTo(2);
    assertThat(list.stderrLines().getFirst())
        .isEqualTo("-X must be KEY=VALUE (e.g. -X security.protocol=SSL), was 'foo'");
  }

  @Test
  void anUnknownKafkaSetting_getsAWarning_namingTheNearestKnownOne(EmbeddedKafka kafka)
      throws Exception {
    // when
    var list =
        Cli.run(
            tmp,
            "topics",
            "list",
            "-b",
            kafka.bootstrapServers(),
            "-X",
            "request.timeout.mss=5000");

    // then: passed on all the same (a plugin may read it)
    assertThat(list.exitCode()).as("%s", list).isZero();
    assertThat(list.stderrLines())
        .containsExactly(
            "gregor topics list: warning: -X request.timeout.mss is not a Kafka Admin client"
                + " setting; passed on all the same (did you mean request.timeout.ms?)");
  }

  @Test
  void repeatedLineErrors_areShownTenTimes_thenCountedAtTheEnd(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: 25 lines without the key separator, one with it
    var topic = names.topic();
    kafka.createTopic(topic, 1);
    var input = "no separator\n".repeat(25) + "k:v\n";

    // when
    var produce =
        Cli.runWithInput(
            tmp, input, "produce", "-t", topic, "-K", ":", "-b", kafka.bootstrapServers());

    // then
    var reason = "no key separator ':' (with --key-separator every line is KEY:VALUE)";
    assertThat(produce.exitCode()).as("%s", produce).isEqualTo(1);
    assertThat(produce.stderrLines())
        .hasSize(13)
        .startsWith("gregor produce: line 1: " + reason)
        .contains("gregor produce: line 10: " + reason)
        .doesNotContain("gregor produce: line 11: " + reason)
        .endsWith(
            "gregor produce: more lines fail with: "
                + reason
                + " (counted, not shown; the total comes at the end)",
            "gregor produce: 15 more lines (not shown) failed with: " + reason,
            "gregor produce: 1 sent, 25 failed");
  }

  @Test
  void tls_toAPlaintextPort_saysThatTlsFailed(EmbeddedKafka kafka) throws Exception {
    // when
    var list =
        Cli.run(
            tmp,
            "topics",
            "list",
            "-b",
            kafka.bootstrapServers(),
            "-X",
            "security.protocol=SSL",
            "--timeout",
            "2s");

    // then
    assertThat(list.exitCode()).as("%s", list).isEqualTo(1);
    assertThat(list.stderrLines())
        .singleElement()
        .asString()
        .startsWith("gregor topics list: TLS failed at " + kafka.bootstrapServers() + ": ")
        .endsWith("(security.protocol asks for TLS; is that a plaintext port?)");
  }

  /** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
  private static int closedPort() throws IOException {
    try (var socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}
