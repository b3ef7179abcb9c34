package io.gregor.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaClusterTest {
  private static EmbeddedKafkaCluster cluster;
  private static Admin admin;

  @BeforeAll
  static void startCluster() {
    cluster = EmbeddedKafkaCluster.start(3);
    admin =
        Admin.create(
            Map.<String, Object>of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
  }

  @AfterAll
  static void stopCluster() {
    admin.close();
    cluster.close();
  }

  @Test
  void replicatedTopic_staysWritableAndReadableWhileABrokerIsDown_andTheBrokerRejoins()
      throws Exception {
    // given: RF 3, min.insync.replicas 2, acks=all
    var topic = "failover";
    cluster.createTopic(topic, 1, 3, Map.of("min.insync.replicas", "2"));
    Clients.send(cluster.bootstrapServers(), topic, List.of("one", "two"));
    int leader = partition(topic).leader().id();
    int index =
        IntStream.range(0, 3).filter(i -> cluster.brokerId(i) == leader).findFirst().orElseThrow();

    // when: the leader stops
    cluster.stopBroker(index);

    // then: another broker leads, and acks=all writes and reads go on with two in-sync replicas
    assertThat(cluster.isRunning(index)).isFalse();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              var partition = partition(topic);
              assertThat(partition.leader()).isNotNull();
              assertThat(partition.leader().id()).isNotEqualTo(leader);
              assertThat(partition.isr()).extracting(Node::id).doesNotContain(leader).hasSize(2);
            });
    Clients.send(cluster.bootstrapServers(), topic, List.of("three"));
    assertThat(Clients.read(cluster.bootstrapServers(), topic, "failover-during", 3))
        .containsExactly("one", "two", "three");

    // when: it restarts
    cluster.restartBroker(index);

    // then: it catches up and is back in the ISR, and nothing was lost
    assertThat(cluster.isRunning(index)).isTrue();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(partition(topic).isr())
                    .extracting(Node::id)
                    .contains(leader)
                    .hasSize(3));
    Clients.send(cluster.bootstrapServers(), topic, List.of("four"));
    assertThat(Clients.read(cluster.bootstrapServers(), topic, "failover-after", 4))
        .containsExactly("one", "two", "three", "four");
  }

  @Test
  void createTopic_defaultsToReplicationFactorThree_onEveryBroker() throws Exception {
    // when
    cluster.createTopic("spread", 3);
    // then
    var description = describe("spread");
    assertThat(description.partitions())
        .hasSize(3)
        .allSatisfy(
            p -> assertThat(p.replicas()).extracting(Node::id).containsExactlyInAnyOrder(0, 1, 2));
    assertThat(cluster.bootstrapServers().split(",")).hasSize(3);
    assertThat(cluster.brokerCount()).isEqualTo(3);
  }

  @Test
  void brokerIndex_outOfRange_isRefused() {
    assertThatThrownBy(() -> cluster.stopBroker(3))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessageContaining("0 to 2");
    assertThatThrownBy(() -> cluster.brokerId(-1)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void builder_refusesZeroBrokers() {
    assertThatThrownBy(() -> EmbeddedKafkaCluster.builder().brokers(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("brokers must be at least 1");
  }

  private static TopicPartitionInfo partition(String topic) throws Exception {
    return describe(topic).partitions().getFirst();
  }

  private static TopicDescription describe(String topic) throws Exception {
    return admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic);
  }
}
