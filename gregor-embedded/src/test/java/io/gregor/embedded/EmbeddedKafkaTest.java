package io.gregor.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {

  @Test
  void start_servesProduceAndConsume_andCloseDeletesItsTemporaryDirectory() throws Exception {
    // given
    var kafka = EmbeddedKafka.start();
    Path dataDir = kafka.dataDir();
    try (kafka) {
      assertThat(kafka.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
      assertThat(dataDir).isDirectory();
      // when
      kafka.createTopic("round-trip", 3);
      var acks = Clients.send(kafka.bootstrapServers(), "round-trip", List.of("a", "b", "c"));
      // then
      assertThat(acks).allSatisfy(ack -> assertThat(ack.offset()).isGreaterThanOrEqualTo(0));
      assertThat(Clients.read(kafka.bootstrapServers(), "round-trip", "round-trip-group", 3))
          .containsExactlyInAnyOrder("a", "b", "c");
    }
    assertThat(dataDir).doesNotExist();
    kafka.close(); // idempotent
    assertThatThrownBy(() -> kafka.createTopic("too-late", 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void dataDir_keepsRecordsAcrossARestart(@TempDir Path dir) throws Exception {
    // given
    String clusterId;
    try (var kafka = EmbeddedKafka.builder().dataDir(dir).start()) {
      clusterId = kafka.clusterId();
      kafka.createTopic("kept", 1);
      Clients.send(kafka.bootstrapServers(), "kept", List.of("before", "restart"));
    }
    assertThat(dir).isNotEmptyDirectory();
    // when
    try (var kafka = EmbeddedKafka.builder().dataDir(dir).start()) {
      // then
      assertThat(kafka.clusterId()).isEqualTo(clusterId);
      assertThat(Clients.read(kafka.bootstrapServers(), "kept", "kept-group", 2))
          .containsExactly("before", "restart");
    }
    assertThat(dir).isNotEmptyDirectory();
  }

  @Test
  void builder_appliesPortPartitionsAndBrokerConfig() throws Exception {
    // given
    int port;
    try (var socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = socket.getLocalPort();
    }
    // when
    try (var kafka =
            EmbeddedKafka.builder()
                .port(port)
                .numPartitions(4)
                .brokerConfig("log.retention.ms", "3600000")
                .start();
        var admin =
            Admin.create(
                Map.<String, Object>of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      Clients.send(kafka.bootstrapServers(), "auto-created", List.of("x"));
      // then
      assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
      var topic =
          admin.describeTopics(Set.of("auto-created")).allTopicNames().get().get("auto-created");
      assertThat(topic.partitions()).hasSize(4);
      var brokerId = admin.describeCluster().nodes().get().iterator().next().idString();
      var broker = new ConfigResource(ConfigResource.Type.BROKER, brokerId);
      var config = admin.describeConfigs(Set.of(broker)).all().get().get(broker);
      assertThat(config.get("log.retention.ms").value()).isEqualTo("3600000");
      assertThat(config.get("group.initial.rebalance.delay.ms").value()).isEqualTo("0");
    }
  }

  @Test
  void start_onATakenPort_failsNamingThePort() throws Exception {
    // given
    try (var socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = socket.getLocalPort();
      // when / then
      assertThatThrownBy(() -> EmbeddedKafka.builder().port(port).start())
          .isInstanceOf(EmbeddedKafkaException.class)
          .hasMessageContaining("port " + port + " is already in use");
    }
  }

  @Test
  void start_onADataDirThatCannotBeCreated_failsNamingTheDirectory(@TempDir Path dir)
      throws Exception {
    // given
    var file = Files.writeString(dir.resolve("a-file"), "not a directory");
    var dataDir = file.resolve("data");
    // when / then
    assertThatThrownBy(() -> EmbeddedKafka.builder().dataDir(dataDir).start())
        .isInstanceOf(EmbeddedKafkaException.class)
        .hasMessageContaining("data directory " + dataDir + " is not writable");
  }

  @Test
  void builder_refusesInvalidSettings() {
    var builder = EmbeddedKafka.builder();
    assertThatThrownBy(() -> builder.port(-1)).hasMessageContaining("port must be 0");
    assertThatThrownBy(() -> builder.port(65536)).hasMessageContaining("port must be 0");
    assertThatThrownBy(() -> builder.numPartitions(0))
        .hasMessageContaining("numPartitions must be at least 1");
    assertThatThrownBy(() -> builder.brokerConfig("listeners", "PLAINTEXT://:1"))
        .hasMessageContaining("listeners is set by the embedded broker");
    assertThatThrownBy(() -> builder.brokerConfig(" ", "x")).hasMessageContaining("blank");
    assertThatThrownBy(() -> builder.dataDir(null)).hasMessageContaining("null");
  }
}
