package io.gregor.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Found by S6 (its buffer sampler called {@code assignment()} and {@code position()} every 50 ms):
 * a consumer that is called directly more often than Kafka refreshes its metadata never joins its
 * group while the group coordinator is not yet available (a fresh broker, or a coordinator that
 * moved after a broker restart).
 *
 * <p>Each call wakes the poll ({@code consumer.wakeup()}). Kafka's classic consumer, after a failed
 * FindCoordinator, waits for a metadata update before it clears the failed lookup ({@code
 * AbstractCoordinator.ensureCoordinatorReady}: {@code awaitMetadataUpdate}, then {@code
 * clearFindCoordinatorFuture}). The wakeup ends that wait with a {@code WakeupException}, the
 * failed lookup stays, and the next poll sees the same failure without asking again: one
 * FindCoordinator in 30 s, then "Coordinator discovery failed, refreshing metadata" at every poll.
 * Without the calls the same consumer is assigned in about 2 s.
 */
@Timeout(120)
class FrequentCallsDuringGroupJoinTest {

  @Test
  @Disabled(
      "Gregor bug, reported to the lead: direct calls every 50 ms keep a consumer out of its"
          + " group while the coordinator is not available (wakeups starve the coordinator lookup)")
  void directCallEvery50ms_whileTheCoordinatorIsNotYetAvailable_theConsumerStillJoins()
      throws Exception {
    var names = TestNames.unique("frequent-calls-during-join");
    try (var kafka = EmbeddedKafka.start();
        var run = ScenarioRun.start("regression: frequent calls during the group join")) {
      // given: a fresh broker, whose group coordinator is not available at the first lookup
      kafka.createTopic(names.topic(), 4);
      try (var consumer =
          new ConsumerDriver(
              "consumer-1",
              ScenarioClients.consumer(kafka.bootstrapServers(), names.group(), names.topic()),
              run.recorder())) {
        // when: something asks the consumer for its assignment every 50 ms
        var caller =
            Thread.ofVirtual()
                .start(
                    () -> {
                      while (consumer.rebalances().isEmpty()) {
                        consumer.consumer().assignment();
                        LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
                      }
                    });

        // then: it is assigned its partitions anyway
        boolean assigned =
            Waits.within(Duration.ofSeconds(30), () -> !consumer.rebalances().isEmpty());
        caller.interrupt();
        assertThat(assigned).as("assigned within 30 s").isTrue();
      }
    }
  }
}
