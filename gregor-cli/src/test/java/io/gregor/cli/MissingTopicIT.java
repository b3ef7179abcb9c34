package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gregor.Codecs;
import io.gregor.Message;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code gregor consume} of a topic that does not exist: said, and never created. */
@ExtendWith(SharedKafka.class)
class MissingTopicIT {
  @TempDir Path tmp;

  @Test
  void consume_ofAMisspeltTopic_onABrokerThatCreatesTopics_failsAndCreatesNothing(TestNames names)
      throws Exception {
    // given: a broker that creates topics on first use
    var misspelt = names.topic();
    try (var kafka = EmbeddedKafka.start()) {
      // when
      var consume = Cli.run(tmp, "consume", "-b", kafka.bootstrapServers(), "-t", misspelt, "-e");

      // then
      assertThat(consume.exitCode()).as("%s", consume).isEqualTo(1);
      assertThat(consume.stderrLines())
          .containsExactly(
              "gregor consume: topic '"
                  + misspelt
                  + "' does not exist; consume does not create topics (-X"
                  + " allow.auto.create.topics=true lets this broker create them on first use)");
      try (var admin =
          Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
        assertThat(admin.listTopics().names().get()).doesNotContain(misspelt);
      }
    }
  }

  @Test
  void consume_withoutAGroup_ofAMissingAndAnExistingTopic_saysSo_andReadsTheOther(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic("there");
    var missing = names.topic("missing");
    kafka.createTopic(topic, 1);
    send(kafka, topic, "hello");

    // when
    var consume =
        Cli.run(tmp, "consume", "-b", kafka.bootstrapServers(), "-t", topic, "-t", missing, "-e");

    // then
    assertThat(consume.exitCode()).as("%s", consume).isZero();
    assertThat(consume.stdoutLines()).containsExactly("hello");
    assertThat(consume.stderrLines())
        .containsExactly(
            "gregor consume: topic '" + missing + "' does not exist; reading the others",
            "gregor consume: 1 record");
  }

  @Test
  void consume_inAGroup_ofAMissingAndAnExistingTopic_saysSoAsTheConsumerFindsOut(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic("there");
    var missing = names.topic("missing");
    kafka.createTopic(topic, 1);
    send(kafka, topic, "hello");

    try (var consume =
        Cli.start(
            tmp,
            "",
            "consume",
            "-b",
            kafka.bootstrapServers(),
            "-t",
            topic,
            "-t",
            missing,
            "-g",
            names.group())) {
      // when: the library's notice about the missing topic came (about 3 s after subscribing)
      consume.awaitStdoutLines(1, Duration.ofSeconds(60));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> consume.stderr().contains("does not exist"));
      consume.signal("INT");
      var result = consume.await(Duration.ofSeconds(30));

      // then
      assertThat(result.stdoutLines()).containsExactly("hello");
      assertThat(result.stderrLines())
          .containsExactly(
              "gregor consume: topic '"
                  + missing
                  + "' does not exist; the consumer reads it once it is created",
              "gregor consume: 1 record");
    }
  }

  private static void send(EmbeddedKafka kafka, String topic, String value) {
    try (var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string()))) {
      producer.input().send(Message.of(topic, value));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
