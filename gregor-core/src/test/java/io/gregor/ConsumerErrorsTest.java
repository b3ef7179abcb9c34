package io.gregor;

import static io.gregor.ConsumerTesting.data;
import static io.gregor.ConsumerTesting.nextError;
import static io.gregor.ConsumerTesting.nextResult;
import static io.gregor.ConsumerTesting.produce;
import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.softwaremill.jox.Sink;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * Each kind of failure becomes an error event (or a direct call's exception) and the loop goes on.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ConsumerErrorsTest {

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void unknownOperation_sentOnARawControlSink_isAnInvalidOperationError(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given
    try (var consumer = Consumer.create(stringSettings(kafka, names))) {
      Sink raw = consumer.control();

      // when
      raw.send("rewind, please");
      raw.send(new Operation.Flush()); // a producer's operation
      consumer.control().send(new Operation.Subscriptions());

      // then
      Failure unknown = nextError(consumer.output());
      assertThat(unknown.kind()).isEqualTo(ErrorKind.INVALID_OPERATION);
      assertThat(unknown.subject()).isEqualTo("rewind, please");
      Failure producers = nextError(consumer.output());
      assertThat(producers.kind()).isEqualTo(ErrorKind.INVALID_OPERATION);
      assertThat(producers.subject()).isEqualTo(new Operation.Flush());
      assertThat(nextResult(consumer.output(), new Operation.Subscriptions())).isEqualTo(Set.of());
    }
  }

  @Test
  void partitionsFor_aNullTopic_isAnInvalidOperationError(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    try (var consumer = Consumer.create(stringSettings(kafka, names))) {
      var operation = new Operation.PartitionsFor(null);

      // when
      consumer.control().send(operation);

      // then
      Failure failure = nextError(consumer.output());
      assertThat(failure.kind()).isEqualTo(ErrorKind.INVALID_OPERATION);
      assertThat(failure.subject()).isEqualTo(operation);
      assertThat(failure.message()).contains("topic");
    }
  }

  @Test
  void partitionsFor_aNullTopic_calledDirectly_throwsTheSameFailure(
      EmbeddedKafka kafka, TestNames names) {
    // given
    try (var consumer = Consumer.create(stringSettings(kafka, names))) {

      // when / then
      assertThatThrownBy(() -> consumer.partitionsFor(null))
          .isInstanceOfSatisfying(
              GregorException.class,
              e -> {
                assertThat(e.failure().kind()).isEqualTo(ErrorKind.INVALID_OPERATION);
                assertThat(e.failure().subject()).isEqualTo(new Operation.PartitionsFor(null));
              });
      assertThat(consumer.subscriptions()).isEmpty(); // the loop goes on
    }
  }

  @Test
  void commit_withNoSubscription_isANoSubscriptionError(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    try (var consumer = Consumer.create(stringSettings(kafka, names))) {

      // when
      consumer.control().send(new Operation.Commit());

      // then
      Failure failure = nextError(consumer.output());
      assertThat(failure.kind()).isEqualTo(ErrorKind.NO_SUBSCRIPTION);
      assertThat(failure.subject()).isEqualTo(new Operation.Commit());
    }
  }

  @Test
  void lag_withNoSubscription_calledDirectly_throwsANoSubscriptionFailure(
      EmbeddedKafka kafka, TestNames names) {
    // given
    try (var consumer = Consumer.create(stringSettings(kafka, names))) {

      // when / then
      assertThatThrownBy(consumer::lag)
          .isInstanceOfSatisfying(
              GregorException.class,
              e -> assertThat(e.failure().kind()).isEqualTo(ErrorKind.NO_SUBSCRIPTION));
    }
  }

  @ParameterizedTest
  @MethodSource("partitionOperations")
  void partitionOperation_onAPartitionNotAssigned_isANoSubscriptionError(
      Function<TopicPartition, ConsumerOperation<?>> operationOn,
      EmbeddedKafka kafka,
      TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    var operation = operationOn.apply(new TopicPartition(names.topic(), 0));
    try (var consumer = Consumer.create(stringSettings(kafka, names))) {

      // when
      consumer.control().send(operation);

      // then
      Failure failure = nextError(consumer.output());
      assertThat(failure.kind()).isEqualTo(ErrorKind.NO_SUBSCRIPTION);
      assertThat(failure.subject()).isEqualTo(operation);
    }
  }

  static Stream<Arguments> partitionOperations() {
    return Stream.of(
        operation("position", Operation.Position::new),
        operation("seek", partition -> new Operation.Seek(partition, 0)),
        operation("pause", partition -> new Operation.Pause(Set.of(partition))),
        operation("seek to end", partition -> new Operation.SeekToEnd(Set.of())));
  }

  private static Arguments operation(
      String name, Function<TopicPartition, ConsumerOperation<?>> operationOn) {
    return Arguments.argumentSet(name, operationOn);
  }

  @Test
  void subscribe_withoutAGroup_isAnInvalidOperationError(EmbeddedKafka kafka, TestNames names) {
    // given
    kafka.createTopic(names.topic(), 1);
    try (var consumer =
        Consumer.create(
            ConsumerSettings.create(
                kafka.bootstrapServers(), null, Codecs.string(), Codecs.string()))) {

      // when / then
      assertThatThrownBy(() -> consumer.subscribe(Topics.of(names.topic())))
          .isInstanceOfSatisfying(
              GregorException.class,
              e -> {
                assertThat(e.failure().kind()).isEqualTo(ErrorKind.INVALID_OPERATION);
                assertThat(e.failure().message()).contains("group.id");
              });
    }
  }

  @Test
  void assign_whileSubscribed_isAnError_andLeavesThePartitionsAsTheyWere(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: a subscribed consumer with a paused partition
    kafka.createTopic(names.topic(), 2);
    var zero = new TopicPartition(names.topic(), 0);
    var one = new TopicPartition(names.topic(), 1);
    try (var consumer = Consumer.create(stringSettings(kafka, names).withTopics(names.topic()))) {
      ConsumerTesting.awaitAssignment(consumer.output());
      consumer.pause(Set.of(zero));
      var assign = new Operation.Assign(Set.of(one));

      // when
      consumer.control().send(assign);

      // then
      Failure failure = nextError(consumer.output());
      assertThat(failure.kind()).isEqualTo(ErrorKind.INVALID_OPERATION);
      assertThat(failure.subject()).isEqualTo(assign);
      assertThat(consumer.assignment()).containsExactlyInAnyOrder(zero, one);
      assertThat(consumer.paused()).containsExactly(zero);
    }
  }

  @Test
  void deserialization_failure_isAnErrorWithTheRecordsCoordinates_andTheNextRecordFollows(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    produce(
        kafka,
        new ByteArraySerializer(),
        new ByteArraySerializer(),
        List.of(
            new ProducerRecord<>(names.topic(), 0, null, ints(1)),
            new ProducerRecord<>(names.topic(), 0, null, new byte[] {1, 2, 3}),
            new ProducerRecord<>(names.topic(), 0, null, ints(3))));
    try (var consumer =
        Consumer.create(
            ConsumerSettings.create(
                    kafka.bootstrapServers(), names.group(), Codecs.string(), Codecs.ints())
                .withKafka("auto.offset.reset", "earliest")
                .withTopics(names.topic()))) {

      // when
      var others = new ArrayList<Event<Received<String, Integer>>>();
      var values = data(consumer.output(), 2, others);

      // then
      assertThat(values).extracting(Received::value).containsExactly(1, 3);
      assertThat(others)
          .filteredOn(Event.Error.class::isInstance)
          .singleElement()
          .satisfies(
              event -> {
                Failure failure = ((Event.Error<?>) event).failure();
                assertThat(failure.kind()).isEqualTo(ErrorKind.DESERIALIZATION);
                assertThat(failure.subject())
                    .isEqualTo(new Failure.Coordinates(names.topic(), 0, 1));
                assertThat(failure.cause()).isInstanceOf(SerializationException.class);
                assertThat(failure.message()).contains(names.topic() + "-0@1");
              });
    }
  }

  @Test
  void transducer_throwingOnOneRecord_isAnErrorNamingIt_andTheRestAreDelivered(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    ConsumerTesting.produceStrings(kafka, names.topic(), 0, 5);
    var settings =
        stringSettings(kafka, names)
            .withTopics(names.topic())
            .withTransducer(
                Transducers.<Received<String, String>, String>map(
                    record -> {
                      if (record.value().equals("value-2")) {
                        throw new IllegalArgumentException("no twos");
                      }
                      return record.value();
                    }));
    try (var consumer = Consumer.create(settings)) {

      // when
      var others = new ArrayList<Event<String>>();
      var values = data(consumer.output(), 4, others);

      // then
      assertThat(values).containsExactly("value-0", "value-1", "value-3", "value-4");
      assertThat(others)
          .filteredOn(Event.Error.class::isInstance)
          .singleElement()
          .satisfies(
              event -> {
                Failure failure = ((Event.Error<?>) event).failure();
                assertThat(failure.kind()).isEqualTo(ErrorKind.TRANSDUCER);
                assertThat(failure.subject())
                    .isEqualTo(new Failure.Coordinates(names.topic(), 0, 2));
                assertThat(failure.cause()).hasMessage("no twos");
                assertThat(failure.message()).contains(names.topic() + "-0@2");
              });
    }
  }

  @Test
  void close_ofAnIdleConsumerWithoutSubscription_endsTheLoopWithoutAFailure(
      EmbeddedKafka kafka, TestNames names) {
    // given: in a group, nothing subscribed, an automatic commit due at every turn of the loop
    var appender = new ListAppender<ILoggingEvent>();
    var logger = (Logger) LoggerFactory.getLogger("io.gregor");
    appender.start();
    logger.addAppender(appender);
    try {
      var consumer =
          Consumer.create(stringSettings(kafka, names).withKafka("auto.commit.interval.ms", 1));
      consumer.subscriptions();

      // when
      consumer.close();
      consumer.close(); // returns when the loop has ended

      // then
      assertThat(appender.list)
          .filteredOn(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
          .isEmpty();
    } finally {
      logger.detachAppender(appender);
    }
  }

  @Test
  void output_finishedByTheReader_laterEventsAreDropped_uncommitted_andTheConsumerStillCloses(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: a reader that has had enough while records keep coming
    kafka.createTopic(names.topic(), 1);
    ConsumerTesting.produceStrings(kafka, names.topic(), 0, 100);
    var appender = new ListAppender<ILoggingEvent>();
    var logger = (Logger) LoggerFactory.getLogger("io.gregor");
    appender.start();
    logger.addAppender(appender);
    try {
      var consumer =
          Consumer.create(
              stringSettings(kafka, names).withOutputBufferSize(5).withTopics(names.topic()));
      data(consumer.output(), 1);

      // when
      consumer.output().done();

      // then
      assertThat(consumer.subscriptions()).containsExactly(names.topic());
      consumer.close();
      consumer.close(); // returns when the loop has ended
      assertThat(appender.list)
          .filteredOn(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
          .isEmpty();
      try (var admin = ConsumerCommitTest.admin(kafka)) {
        assertThat(
                ConsumerCommitTest.committedOffset(
                    admin, names.group(), new TopicPartition(names.topic(), 0)))
            .isEqualTo(1L);
      }
    } finally {
      logger.detachAppender(appender);
    }
  }

  @Test
  void outputPolicy_ofDataOnly_leavesOutResultsNoticesAndErrors_butNotEof(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: a poison record between two good ones
    kafka.createTopic(names.topic(), 1);
    produce(
        kafka,
        new ByteArraySerializer(),
        new ByteArraySerializer(),
        List.of(
            new ProducerRecord<>(names.topic(), 0, null, ints(1)),
            new ProducerRecord<>(names.topic(), 0, null, new byte[] {1}),
            new ProducerRecord<>(names.topic(), 0, null, ints(3))));
    var consumer =
        Consumer.create(
            ConsumerSettings.create(
                    kafka.bootstrapServers(), names.group(), Codecs.string(), Codecs.ints())
                .withKafka("auto.offset.reset", "earliest")
                .withOutputPolicy()
                .withTopics(names.topic()));

    // when
    consumer.control().send(new Operation.Subscriptions());
    var first = ConsumerTesting.next(consumer.output());
    var second = ConsumerTesting.next(consumer.output());
    consumer.control().send(new Operation.Close());

    // then: the assignment, the subscriptions' result, the error and the close result are left out
    assertThat(List.of(first, second))
        .extracting(event -> ((Event.Data<Received<String, Integer>>) event).value().value())
        .containsExactly(1, 3);
    assertThat(ConsumerTesting.next(consumer.output())).isEqualTo(new Event.Eof<>());
  }

  private static byte[] ints(int value) {
    return ByteBuffer.allocate(4).putInt(value).array();
  }
}
