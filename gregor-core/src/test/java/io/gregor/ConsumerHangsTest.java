package io.gregor;

import static io.gregor.ConsumerTesting.awaitAssignment;
import static io.gregor.ConsumerTesting.data;
import static io.gregor.ConsumerTesting.next;
import static io.gregor.ConsumerTesting.nextMatching;
import static io.gregor.ConsumerTesting.produceStrings;
import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Gatherer;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No call on a consumer waits forever: not one made on the consumer's own thread, not a close after
 * the control channel was finished, not one made while (or after) the loop died, and operations
 * nobody reads the results of fill the bounded control channel instead of memory.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(90)
class ConsumerHangsTest {
  private static final Duration BOUND = Duration.ofSeconds(20);

  @Test
  void directCall_fromTheConsumersOwnThread_throwsInsteadOfWaitingForItself(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: a transducer that calls the consumer it runs in
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 1);
    var self = new CompletableFuture<Consumer<?, ?, ?>>();
    Gatherer<Received<String, String>, ?, String> callsItsConsumer =
        Gatherer.of(
            (state, record, downstream) -> {
              try {
                self.join().assignment();
                return downstream.push("answered");
              } catch (GregorException e) {
                return downstream.push(e.failure().kind() + ": " + e.getMessage());
              }
            });
    var consumer =
        Consumer.create(
            stringSettings(kafka, names)
                .withTopics(names.topic())
                .withTransducer(callsItsConsumer));
    self.complete(consumer);

    // when
    var outcome = data(consumer.output(), 1).getFirst();

    // then
    assertThat(outcome).startsWith("INVALID_OPERATION").contains("own thread");
    assertTimeoutPreemptively(BOUND, consumer::close, "close after the refused call");
  }

  @Test
  void close_afterTheControlChannelWasFinished_returns(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    var consumer = Consumer.create(stringSettings(kafka, names));

    // when: finishing the control channel means close
    consumer.control().done();

    // then
    assertTimeoutPreemptively(BOUND, consumer::close, "close after control().done()");
    assertThat(nextMatching(consumer.output(), event -> event instanceof Event.Eof<?>))
        .isEqualTo(new Event.Eof<>());
  }

  @Test
  void directCalls_whenTheLoopDies_failAtOnceWithTheCause(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given: a deserializer that waits, then throws an Error, which ends the loop
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 1);
    var inside = new CountDownLatch(1);
    var release = new CountDownLatch(1);
    Deserializer<String> dies =
        (topic, data) -> {
          inside.countDown();
          try {
            release.await(BOUND.toSeconds(), TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          throw new AssertionError("the deserializer died");
        };
    var consumer =
        Consumer.create(
            ConsumerSettings.create(kafka.bootstrapServers(), names.group(), Codecs.string(), dies)
                .withKafka("auto.offset.reset", "earliest")
                .withTopics(names.topic()));
    assertThat(inside.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
    var pending = CompletableFuture.supplyAsync(consumer::assignment);

    // when
    release.countDown();

    // then: the pending call, and a later one, fail with the loop's failure
    assertThat(pending)
        .failsWithin(BOUND)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOf(GregorException.class)
        .satisfies(
            e -> {
              var failure = ((GregorException) e).failure();
              assertThat(failure.kind()).isEqualTo(ErrorKind.FATAL);
              assertThat(failure.cause()).hasMessage("the deserializer died");
            });
    assertTimeoutPreemptively(
        BOUND,
        () ->
            assertThatThrownBy(consumer::subscriptions)
                .isInstanceOf(GregorException.class)
                .extracting(e -> ((GregorException) e).failure().cause())
                .isInstanceOf(AssertionError.class));
    assertTimeoutPreemptively(BOUND, consumer::close, "close after the loop died");
  }

  @Test
  void operationsNobodyReads_fillTheControlChannel_andCloseStillReturns(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: a consumer nobody reads, with a small output
    kafka.createTopic(names.topic(), 1);
    var consumer =
        Consumer.create(
            stringSettings(kafka, names).withOutputBufferSize(4).withTopics(names.topic()));
    awaitAssignment(consumer.output());
    var sent = new AtomicInteger();
    Thread sender =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    for (int i = 0; i < 100_000; i++) {
                      consumer.control().send(new Operation.Subscriptions());
                      sent.incrementAndGet();
                    }
                  } catch (InterruptedException | RuntimeException e) {
                    // the control channel was finished by close
                  }
                });

    // when: the sender is held up, because nothing takes the results
    await().atMost(BOUND).until(() -> sender.getState() == Thread.State.WAITING && sent.get() > 0);

    // then: what was accepted is bounded by the channels and the output limit, not by the sender
    int accepted = sent.get();
    assertThat(accepted).isLessThan(64 + 64 + 500 + 4 + 10);
    assertTimeoutPreemptively(BOUND, consumer::close, "close with a full control channel");
    assertThat(sender.join(BOUND)).isTrue();
    int results = 0;
    for (Event<?> event = next(consumer.output());
        !(event instanceof Event.Eof<?>);
        event = next(consumer.output())) {
      if (event instanceof Event.Result<?>(Operation.Subscriptions s, var value)) {
        results++;
      }
    }
    assertThat(results).isLessThanOrEqualTo(accepted);
  }

  @Test
  void directCall_behindAChannelOperationWhileTheOutputIsBackedUp_isAnswered(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: nobody reads, and the output is backed up
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 100);
    var zero = new org.apache.kafka.common.TopicPartition(names.topic(), 0);
    var consumer =
        Consumer.create(
            stringSettings(kafka, names)
                .withOutputBufferSize(4)
                .withKafka("max.poll.records", 10)
                .withTopics(names.topic()));
    await().atMost(BOUND).until(() -> consumer.assignment().contains(zero));
    await().atMost(BOUND).until(() -> consumer.position(zero) >= 20);

    // when: an operation whose result must wait for the reader, then a direct call
    consumer.control().send(new Operation.Lag());

    // then: the direct call does not wait behind it
    assertThat(assertTimeoutPreemptively(BOUND, consumer::assignment, "assignment behind Lag"))
        .containsExactly(zero);
    assertTimeoutPreemptively(BOUND, consumer::close, "close behind Lag");
  }
}
