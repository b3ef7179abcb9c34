package io.gregor.faults;

import static io.gregor.faults.FaultProfile.pick;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafkaCluster;
import io.gregor.embedded.TestNames;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * S1: the only broker restarts twice while an idempotent {@code acks=all} producer writes. The
 * producer retries across each outage, so nothing it was told is written is lost, and idempotence
 * keeps retries from writing any id twice.
 *
 * <p>{@code EmbeddedKafka} cannot restart in place (a new one on the same port and data directory
 * could stand in), so the broker is the one broker of an {@link EmbeddedKafkaCluster}, whose
 * dedicated controller stays up and whose {@code restartBroker} keeps port and data.
 */
@Timeout(900)
class BrokerRestartDuringProduceTest {
  private static final int PARTITIONS = 6;
  private static final int KEYS = 50;
  private static final int RECORDS = pick(6_000, 60_000);
  private static final int PER_SECOND = pick(400, 1_000);
  private static final Duration OUTAGE = pick(Duration.ofSeconds(2), Duration.ofSeconds(10));
  private static final Duration FIRST_STOP = pick(Duration.ofSeconds(3), Duration.ofSeconds(10));
  private static final Duration SECOND_STOP = pick(Duration.ofSeconds(9), Duration.ofSeconds(35));
  private static final Duration PATIENCE = pick(Duration.ofSeconds(90), Duration.ofSeconds(240));

  @Test
  void brokerRestartedTwiceDuringProduce_losesNothingAndWritesNothingTwice() throws Exception {
    var names = TestNames.unique("S1-broker-restart");
    try (var cluster = EmbeddedKafkaCluster.start(1);
        var run = ScenarioRun.start("S1 broker restart during produce")) {
      // given: a producer writing steadily, a consumer reading
      cluster.createTopic(names.topic(), PARTITIONS, 1, Map.of());
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

        // when: the broker goes down twice, each time for OUTAGE
        run.at(t0.plus(FIRST_STOP), "stop broker 0", () -> cluster.stopBroker(0));
        run.at(
            t0.plus(FIRST_STOP).plus(OUTAGE), "restart broker 0", () -> cluster.restartBroker(0));
        run.at(t0.plus(SECOND_STOP), "stop broker 0 again", () -> cluster.stopBroker(0));
        run.at(
            t0.plus(SECOND_STOP).plus(OUTAGE),
            "restart broker 0 again",
            () -> cluster.restartBroker(0));
        run.awaitFaults(PATIENCE);
        producer.awaitSent(PATIENCE);
        producer.awaitOutcomes(PATIENCE);
        boolean readAll = consumer.awaitRead(producer.acknowledged(), PATIENCE);
        run.note("the consumer read every acknowledged id: " + readAll);
        producer.close(PATIENCE);
        consumer.close(PATIENCE);
        assertThat(producer.unattributed()).as("errors naming no message").isEmpty();
      }

      // then
      var report = run.finish();
      assertThat(report.lost()).as("lost: %s", report).isEmpty();
      assertThat(report.longestReadStall())
          .as("longest read stall: %s", report)
          .isLessThanOrEqualTo(OUTAGE.plus(ScenarioClients.SESSION_TIMEOUT));
      assertThat(report.writtenTwice()).as("written twice: %s", report).isEmpty();
      assertThat(report.acknowledged()).as("acknowledged: %s", report).isEqualTo(RECORDS);
      assertThat(report.unresolved()).as("unresolved: %s", report).isEmpty();
      assertThat(report.multipleOutcomes()).as("several outcomes: %s", report).isEmpty();
    }
  }
}
