package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.softwaremill.jox.Sink;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every kind of error a producer reports: each arrives as an error event that says what went wrong
 * and to what, and the producer goes on (the valid message sent after it is delivered).
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ProducerErrorsTest {

  private static ProducerSettings<Message<String, String>, String, String> settings(
      EmbeddedKafka kafka) {
    return ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
        .withOutputPolicy(EventType.DATA, EventType.ERROR, EventType.CONTROL);
  }

  /** Sends {@code bad}, then a valid message, and returns the events up to the valid one's. */
  private static List<Event<Sent<String, String>>> sendBadThenGood(
      Producer<Message<String, String>, String, String> producer,
      Message<String, String> bad,
      String topic)
      throws InterruptedException {
    producer.input().send(bad);
    producer.input().send(Message.of(topic, "good"));
    return Outputs.until(producer.output(), e -> e instanceof Event.Data<?>);
  }

  private static void assertGoodDelivered(List<Event<Sent<String, String>>> events) {
    assertThat(Outputs.data(events))
        .singleElement()
        .extracting(sent -> sent.message().value())
        .isEqualTo("good");
  }

  @Test
  void send_messageWithoutTopic_reportsInvalidMessage(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    try (var producer = Producer.create(settings(kafka))) {
      var bad = Message.<String, String>of(names.topic(), "no topic").withTopic(null);

      // when
      var events = sendBadThenGood(producer, bad, names.topic());

      // then
      assertThat(Outputs.failures(events))
          .singleElement()
          .satisfies(
              failure -> {
                assertThat(failure.kind()).isEqualTo(ErrorKind.INVALID_MESSAGE);
                assertThat(failure.message()).contains("topic");
                assertThat(failure.subject()).isEqualTo(bad);
              });
      assertGoodDelivered(events);
    }
  }

  @Test
  void send_messageWithoutValue_reportsInvalidMessage(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    try (var producer = Producer.create(settings(kafka))) {
      var bad = Message.<String, String>of(names.topic(), "k", "v").withValue(null);

      // when
      var events = sendBadThenGood(producer, bad, names.topic());

      // then
      assertThat(Outputs.failures(events))
          .singleElement()
          .satisfies(
              failure -> {
                assertThat(failure.kind()).isEqualTo(ErrorKind.INVALID_MESSAGE);
                assertThat(failure.message()).contains("value").contains("tombstone");
                assertThat(failure.subject()).isEqualTo(bad);
              });
      assertGoodDelivered(events);
    }
  }

  @Test
  void send_tombstone_sendsANullValue(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    try (var producer = Producer.create(settings(kafka))) {
      // when
      producer.input().send(Message.tombstone(names.topic(), "gone"));

      // then
      var event = Outputs.next(producer.output());
      assertThat(event)
          .isInstanceOfSatisfying(
              Event.Data.class,
              data -> assertThat(((Sent<?, ?>) data.value()).serializedValueSize()).isEqualTo(-1));
      producer.flush();
      var records = TopicReader.readAll(kafka, names.topic(), Codecs.string(), Codecs.string());
      assertThat(records).singleElement().satisfies(r -> assertThat(r.value()).isNull());
    }
  }

  @Test
  void send_negativePartition_reportsInvalidMessage(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    try (var producer = Producer.create(settings(kafka))) {
      var bad = Message.<String, String>of(names.topic(), "v").withPartition(-1);

      // when
      var events = sendBadThenGood(producer, bad, names.topic());

      // then
      assertThat(Outputs.failures(events))
          .singleElement()
          .satisfies(
              failure -> {
                assertThat(failure.kind()).isEqualTo(ErrorKind.INVALID_MESSAGE);
                assertThat(failure.message()).contains("partition").contains("-1");
                assertThat(failure.subject()).isEqualTo(bad);
              });
      assertGoodDelivered(events);
    }
  }

  @Test
  void send_partitionTheTopicDoesNotHave_reportsInvalidMessage(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: a topic with 2 partitions (0 and 1)
    kafka.createTopic(names.topic(), 2);
    try (var producer = Producer.create(settings(kafka))) {
      var bad = Message.<String, String>of(names.topic(), "v").withPartition(2);

      // when
      var events = sendBadThenGood(producer, bad, names.topic());

      // then
      assertThat(Outputs.failures(events))
          .singleElement()
          .satisfies(
              failure -> {
                assertThat(failure.kind()).isEqualTo(ErrorKind.INVALID_MESSAGE);
                assertThat(failure.message()).contains("partition 2").contains("2 partitions");
                assertThat(failure.subject()).isEqualTo(bad);
              });
      assertGoodDelivered(events);
    }
  }

  @Test
  void send_timestampBeforeTheEpoch_reportsInvalidMessage(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    try (var producer = Producer.create(settings(kafka))) {
      var bad =
          Message.<String, String>of(names.topic(), "v")
              .withTimestamp(Instant.parse("1969-12-31T23:59:59Z"));

      // when
      var events = sendBadThenGood(producer, bad, names.topic());

      // then
      assertThat(Outputs.failures(events))
          .singleElement()
          .satisfies(
              failure -> {
                assertThat(failure.kind()).isEqualTo(ErrorKind.INVALID_MESSAGE);
                assertThat(failure.message()).contains("timestamp");
                assertThat(failure.subject()).isEqualTo(bad);
              });
      assertGoodDelivered(events);
    }
  }

  @Test
  void send_valueTheSerializerRejects_reportsSerializationFailure(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: a value serializer that refuses "poison"
    kafka.createTopic(names.topic(), 1);
    Serializer<String> picky =
        (topic, value) -> {
          if (value.equals("poison")) {
            throw new IllegalArgumentException("cannot serialize poison");
          }
          return Codecs.string().serialize(topic, value);
        };
    var settings =
        ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), picky)
            .withOutputPolicy(EventType.DATA, EventType.ERROR);
    try (var producer = Producer.create(settings)) {
      var bad = Message.<String, String>of(names.topic(), "poison");

      // when
      var events = sendBadThenGood(producer, bad, names.topic());

      // then
      assertThat(Outputs.failures(events))
          .singleElement()
          .satisfies(
              failure -> {
                assertThat(failure.kind()).isEqualTo(ErrorKind.SERIALIZATION);
                assertThat(failure.message()).contains("cannot serialize poison");
                assertThat(failure.cause()).isInstanceOf(IllegalArgumentException.class);
                assertThat(failure.subject()).isEqualTo(bad);
              });
      assertGoodDelivered(events);
    }
  }

  @Test
  void send_recordLargerThanKafkaAllows_reportsSendFailure(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: a producer whose requests are at most 1 KiB
    kafka.createTopic(names.topic(), 1);
    var settings = settings(kafka).withKafka(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1024);
    try (var producer = Producer.create(settings)) {
      var bad = Message.<String, String>of(names.topic(), "x".repeat(2048));

      // when
      var events = sendBadThenGood(producer, bad, names.topic());

      // then
      assertThat(Outputs.failures(events))
          .singleElement()
          .satisfies(
              failure -> {
                assertThat(failure.kind()).isEqualTo(ErrorKind.SEND_FAILED);
                assertThat(failure.cause()).isInstanceOf(RecordTooLargeException.class);
                assertThat(failure.subject()).isEqualTo(bad);
              });
      assertGoodDelivered(events);
    }
  }

  @Test
  void send_somethingThatIsNotAMessageOnARawInput_reportsInvalidMessage(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: a caller that defeats the input's type
    kafka.createTopic(names.topic(), 1);
    try (var producer = Producer.create(settings(kafka))) {
      @SuppressWarnings({"unchecked", "rawtypes"})
      Sink<Object> raw = (Sink) producer.input();

      // when
      raw.send("not a message");
      producer.input().send(Message.of(names.topic(), "good"));

      // then
      var events = Outputs.until(producer.output(), e -> e instanceof Event.Data<?>);
      assertThat(Outputs.failures(events))
          .singleElement()
          .satisfies(
              failure -> {
                assertThat(failure.kind()).isEqualTo(ErrorKind.INVALID_MESSAGE);
                assertThat(failure.subject()).isEqualTo("not a message");
              });
      assertGoodDelivered(events);
    }
  }

  @Test
  void partitionsFor_withoutTopicOnControlChannel_reportsInvalidOperation(EmbeddedKafka kafka)
      throws Exception {
    // given
    try (var producer = Producer.create(settings(kafka))) {
      var operation = new Operation.PartitionsFor(null);

      // when
      producer.control().send(operation);
      producer.control().send(new Operation.Flush());

      // then: the error, and the next operation still runs
      var events =
          Outputs.until(producer.output(), e -> Outputs.isResultOf(e, new Operation.Flush()));
      assertThat(Outputs.failures(events))
          .singleElement()
          .satisfies(
              failure -> {
                assertThat(failure.kind()).isEqualTo(ErrorKind.INVALID_OPERATION);
                assertThat(failure.message()).contains("topic");
                assertThat(failure.subject()).isEqualTo(operation);
              });
    }
  }

  @Test
  void partitionsFor_withoutTopicAsDirectCall_throwsInvalidOperation(EmbeddedKafka kafka) {
    // given
    try (var producer = Producer.create(settings(kafka))) {
      // when / then
      assertThatThrownBy(() -> producer.partitionsFor(null))
          .isInstanceOfSatisfying(
              GregorException.class,
              e -> {
                assertThat(e.failure().kind()).isEqualTo(ErrorKind.INVALID_OPERATION);
                assertThat(e.failure().subject()).isEqualTo(new Operation.PartitionsFor(null));
              });
      // and the producer still works
      producer.flush();
    }
  }

  @Test
  void control_unknownOperationOnARawSink_reportsInvalidOperation(EmbeddedKafka kafka)
      throws Exception {
    // given: a caller that defeats the control channel's type
    try (var producer = Producer.create(settings(kafka))) {
      @SuppressWarnings({"unchecked", "rawtypes"})
      Sink<Object> raw = (Sink) producer.control();

      // when: something that is no operation, and a consumer's operation
      raw.send("flush, please");
      raw.send(new Operation.Unsubscribe());
      producer.control().send(new Operation.Flush());

      // then
      var events =
          Outputs.until(producer.output(), e -> Outputs.isResultOf(e, new Operation.Flush()));
      assertThat(Outputs.failures(events))
          .extracting(Failure::kind, Failure::subject)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(ErrorKind.INVALID_OPERATION, "flush, please"),
              org.assertj.core.groups.Tuple.tuple(
                  ErrorKind.INVALID_OPERATION, new Operation.Unsubscribe()));
    }
  }
}
