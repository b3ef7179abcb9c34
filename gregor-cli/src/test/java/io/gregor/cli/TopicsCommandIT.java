package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code gregor topics}: create, list, describe, alter, delete; {@code gregor cluster}. */
@ExtendWith(SharedKafka.class)
class TopicsCommandIT {
  @TempDir Path tmp;

  @Test
  void topics_createListDescribeDelete(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic();
    var bootstrap = kafka.bootstrapServers();

    // when
    var create =
        Cli.run(
            tmp,
            "topics",
            "create",
            topic,
            "--partitions",
            "3",
            "--replication-factor",
            "1",
            "--config",
            "cleanup.policy=compact",
            "-b",
            bootstrap);
    var list = Cli.run(tmp, "topics", "list", "-b", bootstrap);
    var describe = Cli.run(tmp, "topics", "describe", topic, "-b", bootstrap);
    var createAgain = Cli.run(tmp, "topics", "create", topic, "-b", bootstrap);
    var delete = Cli.run(tmp, "topics", "delete", topic, "-b", bootstrap);

    // then
    assertThat(create.exitCode()).as("%s", create).isZero();
    assertThat(create.stdoutLines())
        .containsExactly("created topic " + topic + " (3 partitions, replication factor 1)");
    assertThat(list.exitCode()).isZero();
    assertThat(list.stdoutLines()).contains(topic).doesNotContain("__consumer_offsets").isSorted();
    assertThat(describe.exitCode()).as("%s", describe).isZero();
    assertThat(describe.stdoutLines())
        .hasSize(5)
        .first()
        .asString()
        .startsWith(topic + ": 3 partitions, replication factor 1, id ");
    assertThat(describe.stdoutLines())
        .contains(
            "  config cleanup.policy=compact",
            "  partition 0: leader 1, replicas [1], in sync [1], offsets 0 to 0",
            "  partition 2: leader 1, replicas [1], in sync [1], offsets 0 to 0");
    assertThat(createAgain.exitCode()).isEqualTo(1);
    assertThat(createAgain.stderrLines())
        .containsExactly("gregor topics create: topic '" + topic + "' already exists");
    assertThat(delete.exitCode()).as("%s", delete).isZero();
    assertThat(delete.stdoutLines()).containsExactly("deleted topic " + topic);
    try (var admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(admin.listTopics().names().get()).doesNotContain(topic));
    }
  }

  @Test
  void topics_onATopicThatDoesNotExist_sayItClearly(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    var topic = names.topic();
    var bootstrap = kafka.bootstrapServers();

    // when
    var describe = Cli.run(tmp, "topics", "describe", topic, "-b", bootstrap);
    var delete = Cli.run(tmp, "topics", "delete", topic, "-b", bootstrap);
    var deleteIfExists = Cli.run(tmp, "topics", "delete", topic, "--if-exists", "-b", bootstrap);

    // then
    assertThat(describe.exitCode()).isEqualTo(1);
    assertThat(describe.stderrLines())
        .containsExactly("gregor topics describe: topic '" + topic + "' does not exist");
    assertThat(delete.exitCode()).isEqualTo(1);
    assertThat(delete.stderrLines())
        .containsExactly("gregor topics delete: topic '" + topic + "' does not exist");
    assertThat(deleteIfExists.exitCode()).isZero();
    assertThat(deleteIfExists.stdoutLines()).containsExactly("topic " + topic + " does not exist");
  }

  @Test
  void alter_addsPartitions_andSetsAndRemovesSettings(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    var topic = names.topic();
    kafka.createTopic(topic, 1);
    try (var admin = admin(kafka)) {
      var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      admin
          .incrementalAlterConfigs(
              Map.of(
                  resource,
                  List.of(
                      new AlterConfigOp(
                          new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.SET))))
          .all()
          .get();
    }

    // when
    var alter =
        Cli.run(
            tmp,
            "topics",
            "alter",
            topic,
            "--partitions",
            "3",
            "--config",
            "retention.ms=86400000",
            "--delete-config",
            "cleanup.policy",
            "-b",
            kafka.bootstrapServers());

    // then
    assertThat(alter.exitCode()).as("%s", alter).isZero();
    assertThat(alter.stdoutLines())
        .containsExactly(
            "topic " + topic + ": 3 partitions",
            "topic " + topic + ": retention.ms=86400000",
            "topic " + topic + ": cleanup.policy removed");
    try (var admin = admin(kafka)) {
      assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions())
          .hasSize(3);
      var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      var config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
      assertThat(config.get("retention.ms").value()).isEqualTo("86400000");
      assertThat(config.get("cleanup.policy").source())
          .isNotEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
    }
  }

  @Test
  void cluster_printsItsIdControllerAndBrokers(EmbeddedKafka kafka) throws Exception {
    // when
    var cluster = Cli.run(tmp, "cluster", "-b", kafka.bootstrapServers());

    // then: one broker, at the address the tests use
    assertThat(cluster.exitCode()).as("%s", cluster).isZero();
    assertThat(cluster.stdoutLines()).hasSize(2);
    assertThat(cluster.stdoutLines().getFirst()).matches("cluster \\S+: 1 broker, controller \\d+");
    assertThat(cluster.stdoutLines().get(1)).matches("\\d+\t" + kafka.bootstrapServers());
  }

  private static Admin admin(EmbeddedKafka kafka) {
    return Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()));
  }
}
