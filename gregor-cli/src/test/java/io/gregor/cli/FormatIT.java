package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.Codecs;
import io.gregor.Message;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
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
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** How {@code gregor consume} prints records, nulls included, and how text produce sends null. */
@ExtendWith(SharedKafka.class)
class FormatIT {
  /**
   * A recent time: records stamped beyond the broker's retention (7 days) are deleted at its next
   * retention check, even from the active segment.
   */
  private static final Instant STAMP = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  @TempDir Path tmp;

  @Test
  void consume_withAFormatString_printsEachFieldAsKcatDoes(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: a record with a key and a header, and a tombstone
    var topic = names.topic();
    kafka.createTopic(topic, 1);
    send(
        kafka,
        Message.of(topic, "k1", "v1").withHeader("h", "1").withTimestamp(STAMP),
        Message.<String, String>tombstone(topic, "k2").withTimestamp(STAMP.plusMillis(1)));

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
            "--format",
            "%t %p %o %k %s %T %h|%K|%S|%%\\t.");

    // then: a null value prints as nothing by default
    assertThat(consume.exitCode()).as("%s", consume).isZero();
    assertThat(consume.stdoutLines())
        .containsExactly(
            topic + " 0 0 k1 v1 " + STAMP.toEpochMilli() + " h=1|2|2|%\t.",
            topic + " 0 1 k2  " + (STAMP.toEpochMilli() + 1) + " |2|-1|%\t.");
  }

  @Test
  void consume_text_printsNullsAsAsked_unlikeTheStringNull(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    var topic = names.topic();
    kafka.createTopic(topic, 1);
    send(
        kafka,
        Message.<String, String>of(topic, "v"),
        Message.<String, String>tombstone(topic, "k"),
        Message.of(topic, "k", "null"));

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
            "--print-key",
            "-K",
            "=",
            "--null-key",
            "NOKEY",
            "--null-value",
            "NULL");

    // then
    assertThat(consume.exitCode()).as("%s", consume).isZero();
    assertThat(consume.stdoutLines()).containsExactly("NOKEY=v", "k=NULL", "k=null");
  }

  @Test
  void produce_withATombstoneMarker_sendsThoseValuesAsTombstones(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic();
    kafka.createTopic(topic, 1);

    // when
    var produce =
        Cli.runWithInput(
            tmp,
            "a:1\nb:DELETE\nc:DELETED\n",
            "produce",
            "-b",
            kafka.bootstrapServers(),
            "-t",
            topic,
            "-K",
            ":",
            "--tombstone-marker",
            "DELETE");

    // then
    assertThat(produce.exitCode()).as("%s", produce).isZero();
    assertThat(read(kafka, topic, 3).stream().map(r -> r.key() + "=" + r.value()))
        .containsExactly("a=1", "b=null", "c=DELETED");
  }

  @SafeVarargs
  private static void send(EmbeddedKafka kafka, Message<String, String>... messages) {
    try (var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string()))) {
      for (var message : messages) {
        producer.input().send(message);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The first {@code count} records of partition 0, read with Kafka's own consumer. */
  private static List<ConsumerRecord<String, String>> read(
      EmbeddedKafka kafka, String topic, int count) {
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
            new StringDeserializer(),
            new StringDeserializer())) {
      var partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      List<ConsumerRecord<String, String>> records = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (records.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      return records;
    }
  }
}
