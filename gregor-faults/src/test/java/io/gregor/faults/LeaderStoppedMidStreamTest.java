package io.gregor.faults;

import static io.gregor.faults.FaultProfile.pick;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.ErrorKind;
import io.gregor.Failure;
import io.gregor.PartitionDetails;
import io.gregor.embedded.EmbeddedKafkaCluster;
import io.gregor.embedded.TestNames;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * S2: three brokers, a topic with replication factor 3 and {@code min.insync.replicas=2}; the
 * leader of partition 0 stops mid-stream and comes back later (20 s in the long run). Leadership
 * moves to an in-sync replica, so no acknowledged record is lost, and the same producer and
 * consumer carry on through it, without being recreated.
 *
 * <p>The in-process cluster stops a broker with a controlled shutdown (its leaderships move first);
 * it cannot kill one hard.
 */
@Timeout(900)
class LeaderStoppedMidStreamTest {
  private static final int PARTITIONS = 6;
  private static final int KEYS = 50;
  private static final int RECORDS = pick(6_000, 60_000);
  private static final int PER_SECOND = pick(400, 1_000);
  private static final Duration STOP = pick(Duration.ofSeconds(6), Duration.ofSeconds(15));
  private static final Duration OUTAGE = pick(Duration.ofSeconds(5), Duration.ofSeconds(20));
  private static final Duration PATIENCE = pick(Duration.ofSeconds(90), Duration.ofSeconds(240));

  @Test
  void leaderStoppedAndRestarted_losesNoAcknowledgedRecord_andTheClientsCarryOn() throws Exception {
    var names = TestNames.unique("S2-leader-stopped");
    try (var cluster = EmbeddedKafkaCluster.start(3);
        var run = ScenarioRun.start("S2 leader stopped mid-stream")) {
      // given: a replicated topic, a producer writing steadily and a consumer reading
      cluster.createTopic(names.topic(), PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
      var bootstrap = cluster.bootstrapServers();
      try (var producer =
              new ProducerDriver("producer", ScenarioClients.producer(bootstrap), run.recorder());
          var consumer =
              new ConsumerDriver(
                  "consumer-1",
                  ScenarioClients.consumer(bootstrap, names.group(), names.topic()),
                  run.recorder())) {
        consumer.awaitAssigned(PATIENCE);
        var t0 = run.now();
        producer.send(names.topic(), 0, RECORDS, KEYS, PER_SECOND);

        // when: partition 0's leader stops mid-stream and restarts OUTAGE later
        PartitionDetails partition = producer.producer().partitionsFor(names.topic()).getFirst();
        int leader = partition.leader().id();
        run.note("partition " + partition.partition() + " is led by broker " + leader);
        var readAtRestart = new AtomicInteger();
        run.at(
            t0.plus(STOP),
            "stop broker " + leader + ", the leader",
            () -> cluster.stopBroker(leader));
        run.at(
            t0.plus(STOP).plus(OUTAGE),
            "restart broker " + leader,
            () -> {
              readAtRestart.set(consumer.read());
              cluster.restartBroker(leader);
            });
        run.awaitFaults(PATIENCE);
        producer.awaitSent(PATIENCE);
        producer.awaitOutcomes(PATIENCE);
        boolean readAll = consumer.awaitRead(producer.acknowledged(), PATIENCE);
        run.note("the consumer read every acknowledged id: " + readAll);

        // then: the same clients went on after the fault
        assertThat(consumer.read()).as("read after the restart").isGreaterThan(readAtRestart.get());
        assertThat(producer.failures()).as("messages not sent").isEmpty();
        assertThat(producer.unattributed()).as("producer errors naming no message").isEmpty();
        assertThat(consumer.errors())
            .as("consumer errors")
            .extracting(Failure::kind)
            .doesNotContain(ErrorKind.FATAL);
        producer.close(PATIENCE);
        consumer.close(PATIENCE);
      }

      var report = run.finish();
      assertThat(report.lost()).as("lost: %s", report).isEmpty();
      assertThat(report.longestReadStall())
          .as("longest read stall: %s", report)
          .isLessThanOrEqualTo(OUTAGE.plus(ScenarioClients.SESSION_TIMEOUT));
      assertThat(report.acknowledged()).as("acknowledged: %s", report).isEqualTo(RECORDS);
      assertThat(report.writtenTwice()).as("written twice: %s", report).isEmpty();
      assertThat(report.unresolved()).as("unresolved: %s", report).isEmpty();
    }
  }
}
