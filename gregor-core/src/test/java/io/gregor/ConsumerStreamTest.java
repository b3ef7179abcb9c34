package io.gregor;

import static io.gregor.ConsumerTesting.nextMatching;
import static io.gregor.ConsumerTesting.produce;
import static io.gregor.ConsumerTesting.produceStrings;
import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link Consumer#stream()}: the data values for a blocking reader; closing the stream closes the
 * consumer; EOF ends it; an error event throws, or goes to a handler and the stream goes on.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ConsumerStreamTest {

  private static Consumer<String, String, Received<String, String>> stringConsumer(
      EmbeddedKafka kafka, TestNames names, int records) {
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, records);
    return Consumer.create(stringSettings(kafka, names).withTopics(names.topic()));
  }

  /** Ints 0, 1, 2 with a value of three bytes (not an int) at offset 1. */
  private static Consumer<byte[], Integer, Received<byte[], Integer>> intsWithAPoisonRecord(
      EmbeddedKafka kafka, TestNames names) {
    kafka.createTopic(names.topic(), 1);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    records.add(
        new ProducerRecord<>(names.topic(), 0, null, ByteBuffer.allocate(4).putInt(0).array()));
    records.add(new ProducerRecord<>(names.topic(), 0, null, new byte[] {1, 2, 3}));
    records.add(
        new ProducerRecord<>(names.topic(), 0, null, ByteBuffer.allocate(4).putInt(2).array()));
    produce(kafka, new ByteArraySerializer(), new ByteArraySerializer(), records);
    return Consumer.create(
        ConsumerSettings.create(
                kafka.bootstrapServers(), names.group(), Codecs.bytes(), Codecs.ints())
            .withKafka("auto.offset.reset", "earliest")
            .withTopics(names.topic()));
  }

  @Test
  void stream_givesTheRecords_inOrder_skippingOtherEvents(EmbeddedKafka kafka, TestNames names) {
    // given: the default policy, with rebalance notices among the records
    try (var consumer = stringConsumer(kafka, names, 5)) {

      // when
      List<String> values = consumer.stream().limit(5).map(Received::value).toList();

      // then
      assertThat(values).containsExactly("value-0", "value-1", "value-2", "value-3", "value-4");
    }
  }

  @Test
  void closingTheStream_closesTheConsumer(EmbeddedKafka kafka, TestNames names) {
    // given
    var consumer = stringConsumer(kafka, names, 3);

    // when
    try (var records = consumer.stream()) {
      assertThat(records.findFirst()).map(Received::value).hasValue("value-0");
    }

    // then: the consumer has closed; EOF is on its output
    assertThat(nextMatching(consumer.output(), event -> event instanceof Event.Eof<?>))
        .isEqualTo(new Event.Eof<>());
  }

  @Test
  void stream_endsAtEof_whenTheConsumerCloses(EmbeddedKafka kafka, TestNames names) {
    // given
    var consumer = stringConsumer(kafka, names, 3);
    var seen = new AtomicInteger();

    // when: the reader closes the consumer after the third record; the stream then ends
    List<String> values =
        consumer.stream()
            .map(Received::value)
            .peek(
                value -> {
                  if (seen.incrementAndGet() == 3) {
                    consumer.close();
                  }
                })
            .toList();

    // then
    assertThat(values).containsExactly("value-0", "value-1", "value-2");
  }

  @Test
  void errorEvent_isThrownAsGregorException_andAnotherStreamReadsOn(
      EmbeddedKafka kafka, TestNames names) {
    // given
    try (var consumer = intsWithAPoisonRecord(kafka, names)) {
      var before = new ArrayList<Integer>();

      // when
      assertThatThrownBy(() -> consumer.stream().limit(3).map(Received::value).forEach(before::add))
          // then
          .isInstanceOfSatisfying(
              GregorException.class,
              e -> {
                assertThat(e.failure().kind()).isEqualTo(ErrorKind.DESERIALIZATION);
                assertThat(e.failure().subject())
                    .isEqualTo(new Failure.Coordinates(names.topic(), 0, 1));
              });
      assertThat(before).containsExactly(0);
      assertThat(consumer.stream().findFirst()).map(Received::value).hasValue(2);
    }
  }

  @Test
  void errorHandler_getsTheFailure_andTheStreamGoesOn(EmbeddedKafka kafka, TestNames names) {
    // given
    try (var consumer = intsWithAPoisonRecord(kafka, names)) {
      var failures = new ArrayList<Failure>();

      // when
      List<Integer> values = consumer.stream(failures::add).limit(2).map(Received::value).toList();

      // then
      assertThat(values).containsExactly(0, 2);
      assertThat(failures)
          .singleElement()
          .extracting(Failure::kind)
          .isEqualTo(ErrorKind.DESERIALIZATION);
    }
  }
}
