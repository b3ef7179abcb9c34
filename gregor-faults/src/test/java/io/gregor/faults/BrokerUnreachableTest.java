package io.gregor.faults;

import static io.gregor.faults.FaultProfile.pick;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.ErrorKind;
import io.gregor.Failure;
import io.gregor.GregorException;
import io.gregor.embedded.EmbeddedKafkaCluster;
import io.gregor.embedded.TestNames;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * S5: the only broker is unreachable for a while (30 s in the long run), then comes back on the
 * same port. The producer's delivery timeout is shorter than the outage, so messages sent early in
 * it fail and later ones are sent once the broker is back: each message has exactly one outcome, a
 * {@code Sent} or an error event naming it. The consumer recovers and reads everything
 * acknowledged, and calls made during the outage end within their bounds.
 */
@Timeout(900)
class BrokerUnreachableTest {
  private static final int PARTITIONS = 6;
  private static final int KEYS = 50;
  private static final int RECORDS = pick(8_000, 60_000);
  private static final int PER_SECOND = pick(400, 1_000);
  private static final Duration STOP = pick(Duration.ofSeconds(4), Duration.ofSeconds(10));
  private static final Duration OUTAGE = pick(Duration.ofSeconds(8), Duration.ofSeconds(30));
  private static final Duration REQUEST_TIMEOUT =
      pick(Duration.ofSeconds(2), Duration.ofSeconds(5));
  private static final Duration DELIVERY_TIMEOUT =
      pick(Duration.ofSeconds(5), Duration.ofSeconds(15));
  private static final Duration API_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration PATIENCE = pick(Duration.ofSeconds(90), Duration.ofSeconds(240));

  @Test
  void brokerUnreachable_eachMessageHasOneOutcome_andTheConsumerReadsEverythingAcknowledged()
      throws Exception {
    var names = TestNames.unique("S5-broker-unreachable");
    try (var cluster = EmbeddedKafkaCluster.start(1);
        var run = ScenarioRun.start("S5 broker unreachable")) {
      // given: a producer whose delivery timeout is shorter than the outage
      cluster.createTopic(names.topic(), PARTITIONS, 1, Map.of());
      var bootstrap = cluster.bootstrapServers();
      var producerSettings =
          ScenarioClients.producer(bootstrap)
              .withKafka("request.timeout.ms", (int) REQUEST_TIMEOUT.toMillis())
              .withKafka("delivery.timeout.ms", (int) DELIVERY_TIMEOUT.toMillis())
              .withKafka("max.block.ms", (int) API_TIMEOUT.toMillis());
      var consumerSettings =
          ScenarioClients.consumer(bootstrap, names.group(), names.topic())
              .withKafka("default.api.timeout.ms", (int) API_TIMEOUT.toMillis());
      try (var producer = new ProducerDriver("producer", producerSettings, run.recorder());
          var consumer = new ConsumerDriver("consumer-1", consumerSettings, run.recorder())) {
        consumer.awaitAssigned(PATIENCE);
        var t0 = run.now();
        producer.send(names.topic(), 0, RECORDS, KEYS, PER_SECOND);

        // when: the broker is down for OUTAGE, and both clients are called in the middle of it
        var callsDuringOutage = new CompletableFuture<List<String>>();
        run.at(t0.plus(STOP), "stop broker 0", () -> cluster.stopBroker(0));
        run.at(
            t0.plus(STOP).plus(OUTAGE.dividedBy(2)),
            "call both clients",
            () -> callsDuringOutage.complete(callBoth(producer, consumer)));
        run.at(t0.plus(STOP).plus(OUTAGE), "restart broker 0", () -> cluster.restartBroker(0));
        run.awaitFaults(PATIENCE);
        producer.awaitSent(PATIENCE);
        producer.awaitOutcomes(PATIENCE);
        boolean readAll = consumer.awaitRead(producer.acknowledged(), PATIENCE);
        run.note("the consumer read every acknowledged id: " + readAll);

        // then: calls during the outage ended, failures are events naming the message
        run.note("calls during the outage: " + callsDuringOutage.get(0, TimeUnit.SECONDS));
        assertThat(producer.failures())
            .as("why messages were not sent")
            .extracting(Failure::kind)
            .containsOnly(ErrorKind.SEND_FAILED);
        assertThat(producer.unattributed()).as("producer errors naming no message").isEmpty();
        assertThat(producer.acknowledged())
            .as("the producer recovered")
            .contains(Ids.id(RECORDS - 1));
        assertThat(consumer.errors())
            .as("consumer errors")
            .extracting(Failure::kind)
            .doesNotContain(ErrorKind.FATAL);
        producer.close(PATIENCE);
        consumer.close(PATIENCE);
      }

      var report = run.finish();
      assertThat(report.unresolved()).as("without outcome: %s", report).isEmpty();
      assertThat(report.multipleOutcomes()).as("several outcomes: %s", report).isEmpty();
      assertThat(report.lost()).as("lost: %s", report).isEmpty();
      assertThat(report.longestReadStall())
          .as("longest read stall: %s", report)
          .isLessThanOrEqualTo(OUTAGE.plus(ScenarioClients.SESSION_TIMEOUT));
      assertThat(report.acknowledged() + report.failed())
          .as("outcomes: %s", report)
          .isEqualTo(RECORDS);
    }
  }

  /**
   * Flushes the producer and asks the consumer for its end offsets, each from its own thread and
   * bounded: with the broker down, each returns or fails with a {@link GregorException}; what
   * happened, for the history.
   */
  private static List<String> callBoth(ProducerDriver producer, ConsumerDriver consumer)
      throws Exception {
    var flush = call(() -> producer.producer().flush());
    var endOffsets = call(() -> consumer.consumer().endOffsets(Set.of()));
    return List.of(
        "flush: " + flush.get(PATIENCE.toSeconds(), TimeUnit.SECONDS),
        "endOffsets: " + endOffsets.get(PATIENCE.toSeconds(), TimeUnit.SECONDS));
  }

  private static CompletableFuture<String> call(Runnable call) {
    var outcome = new CompletableFuture<String>();
    Thread.ofVirtual()
        .start(
            () -> {
              long start = System.nanoTime();
              try {
                call.run();
                outcome.complete("returned in " + millis(start) + " ms");
              } catch (GregorException e) {
                outcome.complete("failed in " + millis(start) + " ms: " + e.failure().kind());
              } catch (Throwable e) {
                outcome.completeExceptionally(e);
              }
            });
    return outcome;
  }

  private static long millis(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }
}
