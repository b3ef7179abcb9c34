package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Regression, found by the fault suite: a consumer called directly more often than Kafka retries
 * its coordinator lookup never joined its group while the coordinator was not yet available (a
 * fresh broker, or a coordinator that moved after a restart). Each call woke the poll; Kafka's
 * classic consumer, after a failed FindCoordinator, waits for a metadata update before it clears
 * the failed lookup, and the wakeup ended that wait, so every later poll saw the same failure
 * without asking again. This class starts its own broker, so that the coordinator is not there yet.
 */
@Timeout(90)
class FrequentCallsDuringGroupJoinTest {

  @Test
  void directCallsEvery50ms_whileTheCoordinatorIsNotYetAvailable_doNotKeepTheConsumerOut()
      throws Exception {
    var names = TestNames.unique("frequent-calls-during-join");
    try (var kafka = EmbeddedKafka.start()) {
      // given: a fresh broker, whose group coordinator is not available at the first lookup
      kafka.createTopic(names.topic(), 4);
      var settings = ConsumerTesting.stringSettings(kafka, names).withTopics(names.topic());
      try (var consumer = Consumer.create(settings)) {
        var assigned = new CountDownLatch(1);
        var reader =
            Thread.ofVirtual()
                .start(
                    () -> {
                      ConsumerTesting.awaitAssignment(consumer.output());
                      assigned.countDown();
                    });

        // when: something asks the consumer for its assignment every 50 ms
        var caller =
            Thread.ofVirtual()
                .start(
                    () -> {
                      while (assigned.getCount() > 0) {
                        consumer.assignment();
                        LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
                      }
                    });

        // then: it joins its group and gets its partitions all the same
        boolean joined = assigned.await(30, TimeUnit.SECONDS);
        caller.interrupt();
        caller.join();
        reader.interrupt();
        assertThat(joined).as("assigned within 30 s while called every 50 ms").isTrue();
      }
    }
  }
}
