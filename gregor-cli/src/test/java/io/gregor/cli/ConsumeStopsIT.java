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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Where {@code gregor consume} stops: at the end, at a time; and what it reads: one partition. */
@ExtendWith(SharedKafka.class)
class ConsumeStopsIT {
  private static final Instant BASE =
      Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

  @TempDir Path tmp;

  @Test
  void exitAtEnd_stopsAtTheEndsOfStart_evenWithACountNotReached_andAnEmptyPartition(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: 5 records in partition 0 of 2; partition 1 is empty
    var topic = names.topic();
    kafka.createTopic(topic, 2);
    send(kafka, topic, 0, "1", "2", "3", "4", "5");

    // when
    var consume =
        Cli.run(tmp, "consume", "-b", kafka.bootstrapServers(), "-t", topic, "-e", "-n", "8");

    // then
    assertThat(consume.exitCode()).as("%s", consume).isZero();
    assertThat(consume.stdoutLines()).containsExactly("1", "2", "3", "4", "5");
    assertThat(consume.stderrLines()).containsExactly("gregor consume: 5 records");
  }

  @Test
  void exitAtEnd_inAGroup_stopsAtTheEnd(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic();
    kafka.createTopic(topic, 1);
    send(kafka, topic, 0, "a", "b", "c");

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
            names.group(),
            "--exit-at-end");

    // then
    assertThat(consume.exitCode()).as("%s", consume).isZero();
    assertThat(consume.stdoutLines()).containsExactly("a", "b", "c");
  }

  @Test
  void exitAtEnd_fromTheEnd_printsNothing_andExits(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    var topic = names.topic();
    kafka.createTopic(topic, 1);
    send(kafka, topic, 0, "old");

    // when
    var consume =
        Cli.run(tmp, "consume", "-b", kafka.bootstrapServers(), "-t", topic, "--from-end", "-e");

    // then
    assertThat(consume.exitCode()).as("%s", consume).isZero();
    assertThat(consume.stdout()).isEmpty();
    assertThat(consume.stderrLines()).containsExactly("gregor consume: 0 records");
  }

  @Test
  void partition_readsOnlyThatPartition(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic();
    kafka.createTopic(topic, 2);
    send(kafka, topic, 0, "zero");
    send(kafka, topic, 1, "one", "uno");

    // when
    var consume =
        Cli.run(tmp, "consume", "-b", kafka.bootstrapServers(), "-t", topic, "-p", "1", "-e");

    // then
    assertThat(consume.exitCode()).as("%s", consume).isZero();
    assertThat(consume.stdoutLines()).containsExactly("one", "uno");
  }

  @Test
  void partition_thatTheTopicDoesNotHave_isAClearError(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    var topic = names.topic();
    kafka.createTopic(topic, 1);

    // when
    var consume = Cli.run(tmp, "consume", "-b", kafka.bootstrapServers(), "-t", topic, "-p", "1");

    // then
    assertThat(consume.exitCode()).as("%s", consume).isEqualTo(1);
    assertThat(consume.stderrLines())
        .containsExactly(
            "gregor consume: partition 1 does not exist: topic '"
                + topic
                + "' has 1 partition (0 to 0)");
  }

  @Test
  void until_stopsEachPartitionAtItsFirstRecordAtOrAfterTheTime_andExits(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: in each of 2 partitions, records stamped BASE + 0 s, 1 s, 2 s, 3 s
    var topic = names.topic();
    kafka.createTopic(topic, 2);
    for (int partition = 0; partition < 2; partition++) {
      sendStamped(kafka, topic, partition, "p" + partition + "-", 4);
    }
    var until = BASE.plusSeconds(2).toString();

    // when
    var consume =
        Cli.run(tmp, "consume", "-b", kafka.bootstrapServers(), "-t", topic, "--until", until);

    // then: the records at 0 s and 1 s of each partition
    assertThat(consume.exitCode()).as("%s", consume).isZero();
    assertThat(consume.stdoutLines()).containsExactlyInAnyOrder("p0-0", "p0-1", "p1-0", "p1-1");
    assertThat(consume.stderrLines()).containsExactly("gregor consume: 4 records");
  }

  // ------------------------------------------------------------------ helpers

  private static void send(EmbeddedKafka kafka, String topic, int partition, String... values) {
    try (var producer = producer(kafka)) {
      for (String value : values) {
        producer.input().send(Message.<String, String>of(topic, value).withPartition(partition));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Sends prefix0..prefix(n-1), stamped BASE plus 0..n-1 seconds. */
  private static void sendStamped(
      EmbeddedKafka kafka, String topic, int partition, String prefix, int n) {
    try (var producer = producer(kafka)) {
      for (int i = 0; i < n; i++) {
        producer
            .input()
            .send(
                Message.<String, String>of(topic, prefix + i)
                    .withPartition(partition)
                    .withTimestamp(BASE.plus(Duration.ofSeconds(i))));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static Producer<Message<String, String>, String, String> producer(EmbeddedKafka kafka) {
    return Producer.create(
        ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string()));
  }
}
