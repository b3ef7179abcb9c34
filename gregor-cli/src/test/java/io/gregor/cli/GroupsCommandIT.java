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
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code gregor groups}: list, describe, reset-offsets. */
@ExtendWith(SharedKafka.class)
class GroupsCommandIT {
  @TempDir Path tmp;

  @Test
  void list_printsTheGroups_withTheirStateWhenAsked(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: a group with committed offsets and no members
    var topic = names.topic();
    var group = names.group();
    givenTopicAndGroup(kafka, topic, group, 1, 0);

    // when
    var list = Cli.run(tmp, "groups", "list", "--state", "-b", kafka.bootstrapServers());

    // then
    assertThat(list.exitCode()).as("%s", list).isZero();
    assertThat(list.stdoutLines()).contains(group + "\tEmpty");
  }

  @Test
  void describe_printsTheLagOfEachPartition(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: 5 records in partition 0 (2 committed), 3 in partition 1 (3 committed)
    var topic = names.topic();
    var group = names.group();
    givenTopicAndGroup(kafka, topic, group, 2, 3);

    // when
    var describe = Cli.run(tmp, "groups", "describe", group, "-b", kafka.bootstrapServers());

    // then
    assertThat(describe.exitCode()).as("%s", describe).isZero();
    assertThat(describe.stdoutLines().stream().map(l -> l.split(" +")))
        .satisfiesExactly(
            header ->
                assertThat(String.join(" ", header))
                    .isEqualTo("group " + group + ": Empty, 0 members"),
            columns ->
                assertThat(columns)
                    .containsExactly("TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "MEMBER"),
            p0 -> assertThat(p0).containsExactly(topic, "0", "2", "5", "3", "-"),
            p1 -> assertThat(p1).containsExactly(topic, "1", "3", "3", "0", "-"));
  }

  @Test
  void resetOffsets_isADryRunByDefault(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic();
    var group = names.group();
    givenTopicAndGroup(kafka, topic, group, 2, 3);

    // when
    var reset =
        Cli.run(
            tmp,
            "groups",
            "reset-offsets",
            group,
            "-t",
            topic,
            "--to-earliest",
            "-b",
            kafka.bootstrapServers());

    // then: the plan, and nothing changed
    assertThat(reset.exitCode()).as("%s", reset).isZero();
    assertThat(reset.stdoutLines().stream().map(l -> String.join(" ", l.split(" +"))))
        .containsExactly("TOPIC PARTITION FROM TO", topic + " 0 2 0", topic + " 1 3 0");
    assertThat(reset.stderrLines())
        .containsExactly(
            "gregor groups reset-offsets: dry run, nothing changed (--execute sets them)");
    assertThat(committed(kafka, group, topic)).isEqualTo(Map.of(0, 2L, 1, 3L));
  }

  @Test
  void resetOffsets_withExecute_setsThem(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic();
    var group = names.group();
    givenTopicAndGroup(kafka, topic, group, 2, 3);

    // when
    var reset =
        Cli.run(
            tmp,
            "groups",
            "reset-offsets",
            group,
            "-t",
            topic,
            "--to-offset",
            "4",
            "--execute",
            "-b",
            kafka.bootstrapServers());

    // then: 4 in partition 0; partition 1 ends at 3
    assertThat(reset.exitCode()).as("%s", reset).isZero();
    assertThat(committed(kafka, group, topic)).isEqualTo(Map.of(0, 4L, 1, 3L));
  }

  @Test
  void resetOffsets_withExecute_whileTheGroupHasAMember_isRefused(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: a member of the group, reading (3 records after the committed 2 of partition 0)
    var topic = names.topic();
    var group = names.group();
    givenTopicAndGroup(kafka, topic, group, 2, 3);
    try (var member =
        Cli.start(tmp, "", "consume", "-b", kafka.bootstrapServers(), "-t", topic, "-g", group)) {
      member.awaitStdoutLines(3, Duration.ofSeconds(60));

      // when
      var reset =
          Cli.run(
              tmp,
              "groups",
              "reset-offsets",
              group,
              "-t",
              topic,
              "--to-earliest",
              "--execute",
              "-b",
              kafka.bootstrapServers());

      // then: refused, and the offsets are not reset (the member itself only commits forward)
      assertThat(reset.exitCode()).as("%s", reset).isEqualTo(1);
      assertThat(reset.stderrLines())
          .containsExactly(
              "gregor groups reset-offsets: group '"
                  + group
                  + "' has 1 member: stop its consumers first (Kafka resets only an empty group)");
      assertThat(committed(kafka, group, topic).get(0)).isGreaterThanOrEqualTo(2L);
      int signalled = member.signal("INT");
      assertThat(member.await(Duration.ofSeconds(60)).exitCode()).isEqualTo(signalled);
    }
  }

  /**
   * A topic with 5 records in partition 0 and 3 in partition 1 (when it has 2 partitions), and a
   * group that committed {@code first} and {@code second} there.
   */
  private static void givenTopicAndGroup(
      EmbeddedKafka kafka, String topic, String group, int first, int second) throws Exception {
    kafka.createTopic(topic, 2);
    try (var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string()))) {
      for (int i = 0; i < 5; i++) {
        producer.input().send(Message.<String, String>of(topic, "a" + i).withPartition(0));
      }
      for (int i = 0; i < 3; i++) {
        producer.input().send(Message.<String, String>of(topic, "b" + i).withPartition(1));
      }
    }
    try (var admin = admin(kafka)) {
      admin
          .alterConsumerGroupOffsets(
              group,
              Map.of(
                  new TopicPartition(topic, 0), new OffsetAndMetadata(first),
                  new TopicPartition(topic, 1), new OffsetAndMetadata(second)))
          .all()
          .get();
    }
  }

  private static Map<Integer, Long> committed(EmbeddedKafka kafka, String group, String topic)
      throws Exception {
    try (var admin = admin(kafka)) {
      Map<Integer, Long> offsets = new HashMap<>();
      admin
          .listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata()
          .get()
          .forEach(
              (partition, offset) -> {
                if (partition.topic().equals(topic) && offset != null) {
                  offsets.put(partition.partition(), offset.offset());
                }
              });
      return offsets;
    }
  }

  private static Admin admin(EmbeddedKafka kafka) {
    return Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()));
  }
}
