package io.gregor;

import static io.gregor.ConsumerTesting.next;
import static io.gregor.ConsumerTesting.nextMatching;
import static io.gregor.ConsumerTesting.produceStrings;
import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A consumer's events as a {@link java.util.concurrent.Flow.Publisher}: demand is the backpressure,
 * cancel closes or detaches, one subscriber. The Reactive Streams rules themselves are checked by
 * the TCK ({@code io.gregor.flow.FlowTckTest}).
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class FlowPublisherTest {

  private static Consumer<String, String, Received<String, String>> dataOnlyConsumer(
      EmbeddedKafka kafka, TestNames names, int records) {
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, records);
    return Consumer.create(
        stringSettings(kafka, names)
            .withTopics(names.topic())
            .withOutputPolicy(EventType.DATA)); // every event a record, until EOF
  }

  private static String value(Event<Received<String, String>> event) {
    return ((Event.Data<Received<String, String>>) event).value().value();
  }

  private static List<String> values(List<Event<Received<String, String>>> events) {
    return events.stream().map(FlowPublisherTest::value).toList();
  }

  /** Whether direct calls are refused because the consumer is closed. */
  private static boolean isClosed(Consumer<?, ?, ?> consumer) {
    try {
      consumer.assignment();
      return false;
    } catch (GregorException e) {
      assertThat(e.failure().message()).contains("is closed");
      return true;
    }
  }

  @Test
  void request_ofThree_deliversThreeRecords_andTakesNoMoreFromTheOutput(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given
    try (var consumer = dataOnlyConsumer(kafka, names, 10)) {
      var subscriber = new RecordingSubscriber<Event<Received<String, String>>>();
      Flows.publisher(consumer, Flows.OnCancel.DETACH).subscribe(subscriber);

      // when
      subscriber.request(3);

      // then: three delivered, and the fourth is still on the output for another reader
      await().atMost(Outputs.PATIENCE).until(() -> subscriber.items.size() == 3);
      assertThat(values(subscriber.items)).containsExactly("value-0", "value-1", "value-2");
      assertThat(value(next(consumer.output()))).isEqualTo("value-3");
    }
  }

  @Test
  void moreDemand_deliversMore_inOrder(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    try (var consumer = dataOnlyConsumer(kafka, names, 10)) {
      var subscriber = new RecordingSubscriber<Event<Received<String, String>>>();
      Flows.publisher(consumer, Flows.OnCancel.DETACH).subscribe(subscriber);
      subscriber.request(4);
      await().atMost(Outputs.PATIENCE).until(() -> subscriber.items.size() == 4);

      // when
      subscriber.request(6);

      // then
      await().atMost(Outputs.PATIENCE).until(() -> subscriber.items.size() == 10);
      assertThat(values(subscriber.items))
          .containsExactly(
              "value-0", "value-1", "value-2", "value-3", "value-4", "value-5", "value-6",
              "value-7", "value-8", "value-9");
    }
  }

  @Test
  void cancel_withClose_closesTheConsumer(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    try (var consumer = dataOnlyConsumer(kafka, names, 3)) {
      var subscriber = new RecordingSubscriber<Event<Received<String, String>>>();
      Flows.publisher(consumer, Flows.OnCancel.CLOSE).subscribe(subscriber);
      subscriber.request(1);
      await().atMost(Outputs.PATIENCE).until(() -> subscriber.items.size() == 1);

      // when
      subscriber.cancel();

      // then: the consumer closes; its last event is EOF
      assertThat(nextMatching(consumer.output(), event -> event instanceof Event.Eof<?>))
          .isEqualTo(new Event.Eof<>());
    }
  }

  @Test
  void cancel_withClose_commitsWhatTheSubscriberGot_andNoMore(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given: a subscriber that got three of five records
    var consumer = dataOnlyConsumer(kafka, names, 5);
    var subscriber = new RecordingSubscriber<Event<Received<String, String>>>();
    Flows.publisher(consumer, Flows.OnCancel.CLOSE).subscribe(subscriber);
    subscriber.request(3);
    await().atMost(Outputs.PATIENCE).until(() -> subscriber.items.size() == 3);

    // when
    subscriber.cancel();
    await().atMost(Outputs.PATIENCE).until(() -> isClosed(consumer)); // no reading: it would count

    // then: the group goes on from the fourth
    try (var next = Consumer.create(stringSettings(kafka, names).withTopics(names.topic()))) {
      System.out.println(
          "DEBUG committed "
              + next.committed(
                  java.util.Set.of(new org.apache.kafka.common.TopicPartition(names.topic(), 0))));
      assertThat(ConsumerTesting.data(next.output(), 1))
          .singleElement()
          .extracting(Received::value)
          .isEqualTo("value-3");
    }
  }

  @Test
  void cancel_withDetach_leavesTheConsumerOpen_forAnotherReader(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given
    try (var consumer = dataOnlyConsumer(kafka, names, 3)) {
      var subscriber = new RecordingSubscriber<Event<Received<String, String>>>();
      Flows.publisher(consumer, Flows.OnCancel.DETACH).subscribe(subscriber);
      subscriber.request(1);
      await().atMost(Outputs.PATIENCE).until(() -> subscriber.items.size() == 1);

      // when
      subscriber.cancel();
      produceStrings(kafka, names.topic(), 0, 1); // a later record, "value-0" again at offset 3

      // then: the consumer goes on, for whoever reads its output next
      assertThat(values(List.of(next(consumer.output()), next(consumer.output()))))
          .containsExactly("value-1", "value-2");
      assertThat(value(next(consumer.output()))).isEqualTo("value-0");
    }
  }

  @Test
  void closingTheConsumer_completesTheSubscriber(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    var consumer = dataOnlyConsumer(kafka, names, 2);
    var subscriber = new RecordingSubscriber<Event<Received<String, String>>>();
    Flows.publisher(consumer, Flows.OnCancel.DETACH).subscribe(subscriber);
    subscriber.request(Long.MAX_VALUE);
    await().atMost(Outputs.PATIENCE).until(() -> subscriber.items.size() == 2);

    // when
    consumer.close();

    // then: onComplete, EOF itself not handed on
    assertThat(subscriber.awaitTermination()).isNull();
    assertThat(values(subscriber.items)).containsExactly("value-0", "value-1");
  }

  @Test
  void secondSubscriber_getsOnError_sayingThePublisherTakesOne(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    try (var consumer = dataOnlyConsumer(kafka, names, 1)) {
      var publisher = Flows.publisher(consumer, Flows.OnCancel.DETACH);
      publisher.subscribe(new RecordingSubscriber<>());
      var second = new RecordingSubscriber<Event<Received<String, String>>>();

      // when
      publisher.subscribe(second);

      // then
      assertThat(second.awaitTermination())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("takes one subscriber");
      assertThat(second.items).isEmpty();
    }
  }
}
