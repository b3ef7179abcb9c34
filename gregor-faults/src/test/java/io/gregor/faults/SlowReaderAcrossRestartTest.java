package io.gregor.faults;

import static io.gregor.faults.FaultProfile.pick;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.Event;
import io.gregor.RebalanceKind;
import io.gregor.embedded.EmbeddedKafkaCluster;
import io.gregor.embedded.TestNames;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.errors.RetriableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * S6: a consumer's reader stops reading (absent for longer than {@code max.poll.interval.ms}), the
 * broker restarts meanwhile, then the reader reads slowly, then normally. The consumer pauses and
 * keeps polling, so it is not evicted in a way that loses data, reports no error beyond retriable
 * ones, holds no more than its settings allow, and in the end everything acknowledged is read.
 */
@Timeout(900)
class SlowReaderAcrossRestartTest {
  private static final int PARTITIONS = 4;
  private static final int KEYS = 50;
  private static final int RECORDS = pick(10_000, 100_000);
  private static final int PER_SECOND = pick(800, 1_500);
  private static final int OUTPUT_BUFFER = 256;
  private static final int MAX_POLL_RECORDS = 100;
  private static final int MAX_POLL_INTERVAL_MS = 5_000;

  /**
   * What the consumer may hold that the reader has not taken (guide, "Backpressure and memory"):
   * the output buffer, the pause limit (the larger of the output buffer and max.poll.records), one
   * poll's records, and the outputs of one record beyond the limit (here one); plus the one record
   * the reader is working on (taken, not yet counted by the sample).
   */
  private static final long HELD_BOUND =
      OUTPUT_BUFFER + Math.max(OUTPUT_BUFFER, MAX_POLL_RECORDS) + MAX_POLL_RECORDS + 1 + 1;

  private static final Duration ABSENT = pick(Duration.ofSeconds(2), Duration.ofSeconds(5));
  private static final Duration STOP = pick(Duration.ofSeconds(4), Duration.ofSeconds(15));
  private static final Duration OUTAGE = pick(Duration.ofSeconds(3), Duration.ofSeconds(10));
  private static final Duration SLOW = pick(Duration.ofSeconds(10), Duration.ofSeconds(40));
  private static final Duration FAST = pick(Duration.ofSeconds(16), Duration.ofSeconds(80));
  private static final Duration WORK_PER_RECORD = Duration.ofNanos(700_000);
  private static final Duration PATIENCE = pick(Duration.ofSeconds(90), Duration.ofSeconds(240));

  /**
   * How often to sample what the consumer holds. Each sample is a direct call that wakes the poll;
   * such frequent calls kept the consumer out of its group while the coordinator moved (F5 in
   * docs/reliability.md, found by this scenario, fixed in the poll loop), so sampling often also
   * checks that fix across a restart.
   */
  private static final Duration SAMPLE_EVERY = Duration.ofMillis(200);

  @Test
  void readerAbsentThenSlowAcrossABrokerRestart_staysBoundedAndLosesNothing() throws Exception {
    var names = TestNames.unique("S6-slow-reader");
    try (var cluster = EmbeddedKafkaCluster.start(1);
        var run = ScenarioRun.start("S6 slow or absent reader across a restart")) {
      // given: a consumer with a small output buffer and a short max.poll.interval.ms
      cluster.createTopic(names.topic(), PARTITIONS, 1, Map.of());
      var bootstrap = cluster.bootstrapServers();
      var consumerSettings =
          ScenarioClients.consumer(bootstrap, names.group(), names.topic())
              .withOutputBufferSize(OUTPUT_BUFFER)
              .withKafka("max.poll.records", MAX_POLL_RECORDS)
              .withKafka("max.poll.interval.ms", MAX_POLL_INTERVAL_MS)
              .withKafka("default.api.timeout.ms", 5_000);
      try (var producer =
              new ProducerDriver("producer", ScenarioClients.producer(bootstrap), run.recorder());
          var consumer = new ConsumerDriver("consumer-1", consumerSettings, run.recorder());
          var sampler = new BufferSampler(consumer, SAMPLE_EVERY)) {
        consumer.awaitAssigned(PATIENCE);
        var t0 = run.now();
        producer.send(names.topic(), 0, RECORDS, KEYS, PER_SECOND);

        // when: the reader goes away, the broker restarts, the reader comes back slow, then fast
        run.at(t0.plus(ABSENT), "the reader stops reading", consumer::absent);
        run.at(t0.plus(STOP), "stop broker 0", () -> cluster.stopBroker(0));
        run.at(t0.plus(STOP).plus(OUTAGE), "restart broker 0", () -> cluster.restartBroker(0));
        run.at(t0.plus(SLOW), "the reader reads slowly", () -> consumer.slow(WORK_PER_RECORD));
        run.at(t0.plus(FAST), "the reader reads normally", consumer::fast);
        run.awaitFaults(PATIENCE);
        producer.awaitSent(PATIENCE);
        producer.awaitOutcomes(PATIENCE);
        boolean readAll = consumer.awaitRead(producer.acknowledged(), PATIENCE);
        run.note("the consumer read every acknowledged id: " + readAll);
        sampler.stop();
        run.note(
            "held at most "
                + sampler.max()
                + " records unread ("
                + sampler.samples()
                + " samples, "
                + sampler.failed()
                + " failed)");

        // then: bounded, never lost its partitions, only retriable errors
        assertThat(sampler.max())
            .as("records held, the reader having been away")
            .isBetween((long) OUTPUT_BUFFER, HELD_BOUND);
        assertThat(consumer.rebalances())
            .as("rebalances")
            .extracting(Event.Rebalance::kind)
            .doesNotContain(RebalanceKind.LOST);
        assertThat(consumer.errors())
            .as("consumer errors")
            .allSatisfy(
                failure ->
                    assertThat(failure.cause())
                        .as("cause of %s", failure)
                        .isInstanceOf(RetriableException.class));
        assertThat(producer.failures()).as("messages not sent").isEmpty();
        producer.close(PATIENCE);
        consumer.close(PATIENCE);
      }

      var report = run.finish();
      assertThat(report.lost()).as("lost: %s", report).isEmpty();
      assertThat(report.longestReadStall())
          .as("longest read stall: %s", report)
          .isLessThanOrEqualTo(SLOW.minus(ABSENT).plus(ScenarioClients.SESSION_TIMEOUT));
      assertThat(report.acknowledged()).as("acknowledged: %s", report).isEqualTo(RECORDS);
      assertThat(report.writtenTwice()).as("written twice: %s", report).isEmpty();
    }
  }
}
