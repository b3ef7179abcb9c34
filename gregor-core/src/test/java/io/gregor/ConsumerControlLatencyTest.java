package io.gregor;

import static io.gregor.ConsumerTesting.awaitAssignment;
import static io.gregor.ConsumerTesting.nextResult;
import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An operation reaches an idle consumer, blocked in a long poll, at once: the control channel's
 * forwarder wakes the poll up. The test asserts that answers arrive and logs how long they took.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ConsumerControlLatencyTest {
  private static final Logger log = LoggerFactory.getLogger(ConsumerControlLatencyTest.class);
  private static final int ROUNDS = 50;

  @Test
  void operation_onAnIdleSubscribedConsumer_isAnsweredPromptly(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given: subscribed, assigned, nothing to read, no automatic commits to shorten the poll
    kafka.createTopic(names.topic(), 1);
    try (var consumer =
        Consumer.create(
            stringSettings(kafka, names)
                .withKafka("enable.auto.commit", false)
                .withTopics(names.topic()))) {
      awaitAssignment(consumer.output());
      long[] channel = new long[ROUNDS];
      long[] direct = new long[ROUNDS];

      // when
      for (int i = 0; i < ROUNDS; i++) {
        long start = System.nanoTime();
        consumer.control().send(new Operation.Subscriptions());
        Object answer = nextResult(consumer.output(), new Operation.Subscriptions());
        channel[i] = System.nanoTime() - start;

        // then
        assertThat(answer).isEqualTo(Set.of(names.topic()));

        start = System.nanoTime();
        assertThat(consumer.subscriptions()).isEqualTo(Set.of(names.topic()));
        direct[i] = System.nanoTime() - start;
      }
      log.info("control operation on an idle consumer, channel form: {}", summary(channel));
      log.info("control operation on an idle consumer, direct call:  {}", summary(direct));
    }
  }

  private static String summary(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return String.format(
        "median %.2f ms, p90 %.2f ms, max %.2f ms over %d operations",
        sorted[sorted.length / 2] / 1e6,
        sorted[sorted.length * 9 / 10] / 1e6,
        sorted[sorted.length - 1] / 1e6,
        sorted.length);
  }
}
