package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.Codecs;
import io.gregor.Header;
import io.gregor.Message;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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

/**
 * What {@code gregor consume} makes of records' bytes: UTF-8 text or a record refused, or the bytes
 * as asked ({@code --binary}), so that binary records survive {@code consume | produce}.
 */
@ExtendWith(SharedKafka.class)
class ConsumeBytesIT {
  /** Not UTF-8: a byte that cannot start a character, a zero, a newline, a carriage return. */
  private static final byte[] BINARY = {(byte) 0xff, 0, '\n', (byte) 0xc3, '\r'};

  /**
   * A recent time: records stamped beyond the broker's retention (7 days) are deleted at its next
   * retention check, even from the active segment.
   */
  private static final Instant STAMP = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  @TempDir Path tmp;

  @Test
  void aValueThatIsNotUtf8_isNotPrinted_butReportedWithItsPlace_andTheExitCodeIs1(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic();
    kafka.createTopic(topic, 1);
    send(kafka, message(topic, null, utf8("ok")), message(topic, null, BINARY));
    send(kafka, message(topic, null, utf8("fine")));

    // when
    var consume = Cli.run(tmp, "consume", "-b", kafka.bootstrapServers(), "-t", topic, "-e");

    // then: never printed with replacement characters
    assertThat(consume.exitCode()).as("%s", consume).isEqualTo(1);
    assertThat(consume.stdoutBytes()).isEqualTo(utf8("ok\nfine\n"));
    assertThat(consume.stderrLines())
        .containsExactly(
            "gregor consume: record "
                + topic
                + "-0@1: the value is not valid UTF-8 (--binary writes bytes as they are)",
            "gregor consume: 2 records, 1 not printed");
  }

  @Test
  void binary_writesKeysAndValuesAsTheyAre(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic();
    kafka.createTopic(topic, 1);
    send(kafka, message(topic, BINARY, BINARY));

    // when
    var consume =
        Cli.run(
            tmp,
            "consume",
            "-b",
            kafka.bootstrapServers(),
            "-t",
            topic,
            "-e",
            "--binary",
            "--print-key",
            "-K",
            ":");

    // then
    assertThat(consume.exitCode()).as("%s", consume).isZero();
    assertThat(consume.stdoutBytes()).isEqualTo(concat(BINARY, utf8(":"), BINARY, utf8("\n")));
  }

  @Test
  void binaryJson_consumedThenProduced_copiesRecordsByteForByte(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: binary keys, values and header values, a tombstone, a record without a key
    var source = names.topic("source");
    var target = names.topic("target");
    kafka.createTopic(source, 1);
    kafka.createTopic(target, 1);
    send(
        kafka,
        message(source, BINARY, BINARY).withHeader(new Header("h", BINARY)),
        Message.<byte[], byte[]>tombstone(source, BINARY).withTimestamp(STAMP),
        message(source, null, utf8("wörld")));

    // when
    var consume =
        Cli.run(
            tmp,
            "consume",
            "-b",
            kafka.bootstrapServers(),
            "-t",
            source,
            "-e",
            "-f",
            "json",
            "--binary");
    var produce =
        Cli.runWithInputBytes(
            tmp,
            consume.stdoutBytes(),
            "produce",
            "-b",
            kafka.bootstrapServers(),
            "-t",
            target,
            "-f",
            "json",
            "--binary");

    // then
    assertThat(consume.exitCode()).as("%s", consume).isZero();
    assertThat(produce.exitCode()).as("%s", produce).isZero();
    var copied = read(kafka, target, 3);
    assertThat(copied).hasSize(3);
    assertThat(copied.get(0).key()).isEqualTo(BINARY);
    assertThat(copied.get(0).value()).isEqualTo(BINARY);
    assertThat(copied.get(0).headers().lastHeader("h").value()).isEqualTo(BINARY);
    assertThat(copied.get(1).key()).isEqualTo(BINARY);
    assertThat(copied.get(1).value()).isNull();
    assertThat(copied.get(2).key()).isNull();
    assertThat(copied.get(2).value()).isEqualTo(utf8("wörld"));
    assertThat(copied).allSatisfy(r -> assertThat(r.timestamp()).isEqualTo(STAMP.toEpochMilli()));
  }

  private static Message<byte[], byte[]> message(String topic, byte[] key, byte[] value) {
    return Message.of(topic, key, value).withTimestamp(STAMP);
  }

  @SafeVarargs
  private static void send(EmbeddedKafka kafka, Message<byte[], byte[]>... messages)
      throws InterruptedException {
    try (var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.bytes(), Codecs.bytes()))) {
      for (var message : messages) {
        producer.input().send(message);
      }
    }
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

  private static byte[] concat(byte[]... parts) {
    var out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
