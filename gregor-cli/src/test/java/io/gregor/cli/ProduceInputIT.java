package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What {@code gregor produce} makes of its input's bytes: UTF-8 or refused, or bytes as asked. */
@ExtendWith(SharedKafka.class)
class ProduceInputIT {
  @TempDir Path tmp;

  @Test
  void invalidUtf8_isRefusedWithItsLineNumber_andTheOtherLinesAreSent(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: line 2 has a byte that cannot start a UTF-8 character
    var topic = names.topic();
    kafka.createTopic(topic, 1);
    var input = bytes("ok\n", new byte[] {'b', (byte) 0xff, 'd'}, "\nfine\n");

    // when
    var produce =
        Cli.runWithInputBytes(tmp, input, "produce", "-b", kafka.bootstrapServers(), "-t", topic);

    // then
    assertThat(produce.exitCode()).as("%s", produce).isEqualTo(1);
    assertThat(produce.stderrLines())
        .containsExactly(
            "gregor produce: line 2: not valid UTF-8 at byte 2 (--binary sends bytes as they are)",
            "gregor produce: 2 sent, 1 failed");
    assertThat(values(kafka, topic, 2)).containsExactly("ok", "fine");
  }

  @Test
  void aPartitionTheTopicDoesNotHave_isReportedInLineOrder_beforeLaterLinesErrors(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: line 2 names partition 9 of a one-partition topic, line 3 is not JSON
    var topic = names.topic();
    kafka.createTopic(topic, 1);
    String input =
        """
        {"value": "first"}
        {"value": "second", "partition": 9}
        not json
        {"value": "fourth"}
        """;

    // when
    var produce =
        Cli.runWithInput(
            tmp, input, "produce", "-b", kafka.bootstrapServers(), "-t", topic, "-f", "json");

    // then
    assertThat(produce.exitCode()).as("%s", produce).isEqualTo(1);
    assertThat(produce.stderrLines()).hasSize(3);
    assertThat(produce.stderrLines().get(0))
        .isEqualTo(
            "gregor produce: line 2: partition 9 does not exist: topic '"
                + topic
                + "' has 1 partition (0 to 0)");
    assertThat(produce.stderrLines().get(1)).startsWith("gregor produce: line 3: not valid JSON");
    assertThat(produce.stderrLines().get(2)).isEqualTo("gregor produce: 2 sent, 2 failed");
    assertThat(values(kafka, topic, 2)).containsExactly("first", "fourth");
  }

  @Test
  void binary_sendsTheBytesAsTheyAre_withTheirCarriageReturn(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    var topic = names.topic();
    kafka.createTopic(topic, 1);
    var value = new byte[] {(byte) 0xff, 0, (byte) 0xc3, '\r'};
    var input = bytes("k\u00e9:", value, "\n");

    // when
    var produce =
        Cli.runWithInputBytes(
            tmp,
            input,
            "produce",
            "-b",
            kafka.bootstrapServers(),
            "-t",
            topic,
            "-K",
            ":",
            "--binary");

    // then
    assertThat(produce.exitCode()).as("%s", produce).isZero();
    var record = read(kafka, topic, 1).getFirst();
    assertThat(record.key()).isEqualTo("k\u00e9".getBytes(StandardCharsets.UTF_8));
    assertThat(record.value()).isEqualTo(value);
  }

  @Test
  void binary_json_takesKeysAndValuesInBase64(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    var topic = names.topic();
    kafka.createTopic(topic, 1);

    // when
    var produce =
        Cli.runWithInput(
            tmp,
            "{\"key\": \"a2V5\", \"value\": \"/wAB\"}\n",
            "produce",
            "-b",
            kafka.bootstrapServers(),
            "-t",
            topic,
            "-f",
            "json",
            "--binary");

    // then
    assertThat(produce.exitCode()).as("%s", produce).isZero();
    var record = read(kafka, topic, 1).getFirst();
    assertThat(record.key()).isEqualTo("key".getBytes(StandardCharsets.UTF_8));
    assertThat(record.value()).isEqualTo(new byte[] {(byte) 0xff, 0, 1});
  }

  @Test
  void delimiter_cutsRecords_andStripCrRemovesTheirCarriageReturns(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic();
    kafka.createTopic(topic, 1);

    // when
    var produce =
        Cli.runWithInput(
            tmp,
            "a\r;b\nc\r;d",
            "produce",
            "-b",
            kafka.bootstrapServers(),
            "-t",
            topic,
            "-D",
            ";",
            "--strip-cr");

    // then
    assertThat(produce.exitCode()).as("%s", produce).isZero();
    assertThat(values(kafka, topic, 3)).containsExactly("a", "b\nc", "d");
  }

  private static byte[] bytes(String before, byte[] middle, String after) {
    var out = new ByteArrayOutputStream();
    out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(middle);
    out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private static List<String> values(EmbeddedKafka kafka, String topic, int count) {
    return read(kafka, topic, count).stream()
        .map(r -> new String(r.value(), StandardCharsets.UTF_8))
        .toList();
  }

  /** The first {@code count} records of partition 0, read with Kafka's own consumer. */
  private static List<ConsumerRecord<byte[], byte[]>> read(
      EmbeddedKafka kafka, String topic, int count) {
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      var partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (records.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      return records;
    }
  }
}
