package io.gregor;

import static io.gregor.ConsumerTesting.awaitAssignment;
import static io.gregor.ConsumerTesting.data;
import static io.gregor.ConsumerTesting.next;
import static io.gregor.ConsumerTesting.nextError;
import static io.gregor.ConsumerTesting.nextResult;
import static io.gregor.ConsumerTesting.produceStrings;
import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.ChannelDone;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The original Gregor's consumer walkthrough ("Consumer Control Operations" in its README), step by
 * step, in the channel form: send an operation on the control channel, read its answer from the
 * output channel.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ConsumerWalkthroughTest {

  @Test
  void subscriptions_afterCreate_areTheTopicsOfTheSettings(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    try (var consumer = Consumer.create(stringSettings(kafka, names).withTopics(names.topic()))) {
      // when
      consumer.control().send(new Operation.Subscriptions());

      // then
      assertThat(nextResult(consumer.output(), new Operation.Subscriptions()))
          .isEqualTo(Set.of(names.topic()));
    }
  }

  @Test
  void subscribe_toAList_replacesTheSubscription(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    kafka.createTopic(names.topic("two"), 1);
    kafka.createTopic(names.topic("three"), 1);
    try (var consumer = Consumer.create(stringSettings(kafka, names).withTopics(names.topic()))) {
      var subscribe = new Operation.Subscribe(Topics.of(names.topic("two"), names.topic("three")));

      // when
      consumer.control().send(subscribe);
      consumer.control().send(new Operation.Subscriptions());

      // then
      assertThat(nextResult(consumer.output(), subscribe)).isNull();
      assertThat(nextResult(consumer.output(), new Operation.Subscriptions()))
          .isEqualTo(Set.of(names.topic("two"), names.topic("three")));
    }
  }

  @Test
  void subscribe_toAPatternWhileSubscribedByName_isKafkasErrorAsAnErrorEvent(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    try (var consumer = Consumer.create(stringSettings(kafka, names).withTopics(names.topic()))) {
      var subscribe = new Operation.Subscribe(Topics.matching(Pattern.quote(names.topic()) + ".*"));

      // when
      consumer.control().send(subscribe);
      consumer.control().send(new Operation.Subscriptions());

      // then
      Failure failure = nextError(consumer.output());
      assertThat(failure.kind()).isEqualTo(ErrorKind.INVALID_OPERATION);
      assertThat(failure.subject()).isEqualTo(subscribe);
      assertThat(failure.cause()).isInstanceOf(IllegalStateException.class);
      assertThat(failure.message()).contains("mutually exclusive");
      // the consumer goes on, still subscribed by name
      assertThat(nextResult(consumer.output(), new Operation.Subscriptions()))
          .isEqualTo(Set.of(names.topic()));
    }
  }

  @Test
  void unsubscribe_leavesNoSubscriptions(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    try (var consumer = Consumer.create(stringSettings(kafka, names).withTopics(names.topic()))) {

      // when
      consumer.control().send(new Operation.Unsubscribe());
      consumer.control().send(new Operation.Subscriptions());

      // then
      assertThat(nextResult(consumer.output(), new Operation.Unsubscribe())).isNull();
      assertThat(nextResult(consumer.output(), new Operation.Subscriptions())).isEqualTo(Set.of());
    }
  }

  @Test
  void subscribe_toAPatternAfterUnsubscribe_readsTheMatchingTopics(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    kafka.createTopic(names.topic("matched"), 1);
    produceStrings(kafka, names.topic("matched"), 0, 3);
    try (var consumer = Consumer.create(stringSettings(kafka, names).withTopics(names.topic()))) {
      var subscribe =
          new Operation.Subscribe(Topics.matching(Pattern.quote(names.topic("matched")) + ".*"));

      // when
      consumer.control().send(new Operation.Unsubscribe());
      consumer.control().send(subscribe);

      // then
      assertThat(nextResult(consumer.output(), new Operation.Unsubscribe())).isNull();
      assertThat(nextResult(consumer.output(), subscribe)).isNull();
      assertThat(data(consumer.output(), 3))
          .extracting(Received::topic, Received::value)
          .containsExactly(
              tuple(names.topic("matched"), "value-0"),
              tuple(names.topic("matched"), "value-1"),
              tuple(names.topic("matched"), "value-2"));
      consumer.control().send(new Operation.Subscriptions());
      assertThat(nextResult(consumer.output(), new Operation.Subscriptions()))
          .isEqualTo(Set.of(names.topic("matched")));
    }
  }

  @Test
  void create_withAPattern_readsEveryMatchingTopic(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic("a"), 1);
    kafka.createTopic(names.topic("b"), 1);
    produceStrings(kafka, names.topic("a"), 0, 2);
    produceStrings(kafka, names.topic("b"), 0, 2);

    // when
    try (var consumer =
        Consumer.create(
            stringSettings(kafka, names)
                .withTopics(Topics.matching(Pattern.quote(names.topic()) + "-[ab]")))) {

      // then
      assertThat(data(consumer.output(), 4))
          .extracting(Received::topic)
          .containsOnly(names.topic("a"), names.topic("b"))
          .hasSize(4);
      assertThat(consumer.subscriptions())
          .containsExactlyInAnyOrder(names.topic("a"), names.topic("b"));
    }
  }

  @Test
  void partitionsFor_aTopic_describesEachPartition(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 3);
    try (var consumer = Consumer.create(stringSettings(kafka, names).withTopics(names.topic()))) {

      // when
      consumer.control().send(new Operation.PartitionsFor(names.topic()));

      // then
      @SuppressWarnings("unchecked")
      var partitions =
          (List<PartitionDetails>)
              nextResult(consumer.output(), new Operation.PartitionsFor(names.topic()));
      assertThat(partitions).extracting(PartitionDetails::partition).containsExactly(0, 1, 2);
      assertThat(partitions)
          .allSatisfy(
              partition -> {
                assertThat(partition.topic()).isEqualTo(names.topic());
                assertThat(partition.leader()).isNotNull();
                assertThat(partition.replicas()).containsExactly(partition.leader());
                assertThat(partition.inSyncReplicas()).containsExactly(partition.leader());
                assertThat(partition.offlineReplicas()).isEmpty();
              });
    }
  }

  @Test
  void commit_afterReading_commitsWhatTheReaderReceived(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 5);
    var partition = new TopicPartition(names.topic(), 0);
    try (var consumer =
        Consumer.create(
            stringSettings(kafka, names)
                .withKafka("enable.auto.commit", false)
                .withTopics(names.topic()))) {
      data(consumer.output(), 5);

      // when
      consumer.control().send(new Operation.Commit());

      // then
      assertThat(nextResult(consumer.output(), new Operation.Commit()))
          .isEqualTo(Map.of(partition, new OffsetAndMetadata(5, Optional.of(0), "")));
      assertThat(consumer.committed(Set.of(partition)))
          .extractingByKey(partition)
          .extracting(OffsetAndMetadata::offset)
          .isEqualTo(5L);
    }
  }

  @Test
  void close_givesTheResultThenEofThenTheChannelsAreDone(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    var consumer = Consumer.create(stringSettings(kafka, names).withTopics(names.topic()));
    awaitAssignment(consumer.output());

    // when
    consumer.control().send(new Operation.Close());

    // then
    assertThat(nextResult(consumer.output(), new Operation.Close())).isNull();
    assertThat(next(consumer.output())).isEqualTo(new Event.Eof<>());
    assertThat(consumer.output().receiveOrClosed()).isInstanceOf(ChannelDone.class);
    assertThat(consumer.control().sendOrClosed(new Operation.Subscriptions()))
        .isInstanceOf(ChannelClosed.class);
    assertThatThrownBy(() -> consumer.subscriptions())
        .isInstanceOfSatisfying(
            GregorException.class,
            e -> assertThat(e.failure().kind()).isEqualTo(ErrorKind.INVALID_OPERATION));
    consumer.close(); // a second close does nothing
  }

  @Test
  void close_calledDirectly_leavesTheUnreadEventsThenTheResultThenEof(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: records fetched but not read
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 3);
    var consumer = Consumer.create(stringSettings(kafka, names).withTopics(names.topic()));
    var early = new ArrayList<Event<Received<String, String>>>();
    data(consumer.output(), 1, early);

    // when
    consumer.close();

    // then
    var rest = new ArrayList<Event<Received<String, String>>>();
    assertThat(data(consumer.output(), 2, rest))
        .extracting(Received::offset)
        .containsExactly(1L, 2L);
    Event<Received<String, String>> event;
    while ((event = next(consumer.output())) instanceof Event.Rebalance<?>) {
      // the revocation at close
    }
    assertThat(event).isEqualTo(new Event.Result<>(new Operation.Close(), null));
    assertThat(next(consumer.output())).isEqualTo(new Event.Eof<>());
    assertThat(consumer.output().receiveOrClosed()).isInstanceOf(ChannelDone.class);
  }
}
