package io.gregor;

import static io.gregor.ConsumerTesting.data;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A null key, an empty key, an empty value and a null value (a tombstone) are four different things
 * in Kafka, and stay four different things from Gregor's producer to Gregor's consumer.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class NullAndEmptyKeysAndValuesTest {

  /** Sends the messages through a Gregor producer and checks that each was acknowledged. */
  private static <K, V> void send(
      EmbeddedKafka kafka, Codec<K> keys, Codec<V> values, List<Message<K, V>> messages)
      throws InterruptedException {
    var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), keys, values)
                .withOutputPolicy(EventType.DATA, EventType.ERROR));
    for (var message : messages) {
      producer.input().send(message);
    }
    producer.close();
    var events = Outputs.untilEof(producer.output());
    assertThat(Outputs.failures(events)).as("send failures").isEmpty();
    assertThat(Outputs.data(events)).as("acknowledged").hasSize(messages.size());
  }

  @Test
  void strings_nullEmptyKeysAndValues_arriveAsSent(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    List<Message<String, String>> messages =
        List.of(
            Message.of(names.topic(), "value of no key"),
            Message.of(names.topic(), "", "value of an empty key"),
            Message.of(names.topic(), "empty value", ""),
            Message.tombstone(names.topic(), "tombstone"),
            Message.tombstone(names.topic(), null));
    send(kafka, Codecs.string(), Codecs.string(), messages);

    // when
    List<Received<String, String>> received;
    try (var consumer =
        Consumer.create(ConsumerTesting.stringSettings(kafka, names).withTopics(names.topic()))) {
      received = data(consumer.output(), messages.size());
    }

    // then
    assertThat(received)
        .extracting(Received::key, Received::value)
        .containsExactly(
            tuple(null, "value of no key"),
            tuple("", "value of an empty key"),
            tuple("empty value", ""),
            tuple("tombstone", null),
            tuple(null, null));
    assertThat(received)
        .extracting(Received::serializedKeySize, Received::serializedValueSize)
        .containsExactly(tuple(-1, 15), tuple(0, 21), tuple(11, 0), tuple(9, -1), tuple(-1, -1));
  }

  @Test
  void bytes_emptyKeyAndValue_areEmptyArrays_notNulls(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    send(
        kafka,
        Codecs.bytes(),
        Codecs.bytes(),
        List.of(
            Message.of(names.topic(), new byte[0], new byte[0]),
            Message.tombstone(names.topic(), (byte[]) null)));

    // when
    List<Received<byte[], byte[]>> received;
    try (var consumer =
        Consumer.create(
            ConsumerSettings.create(
                    kafka.bootstrapServers(), names.group(), Codecs.bytes(), Codecs.bytes())
                .withKafka("auto.offset.reset", "earliest")
                .withTopics(names.topic()))) {
      received = data(consumer.output(), 2);
    }

    // then
    assertThat(received.get(0).key()).isNotNull().isEmpty();
    assertThat(received.get(0).value()).isNotNull().isEmpty();
    assertThat(received.get(1).key()).isNull();
    assertThat(received.get(1).value()).isNull();
    assertThat(received)
        .extracting(Received::serializedKeySize, Received::serializedValueSize)
        .containsExactly(tuple(0, 0), tuple(-1, -1));
  }

  @Test
  void kafkasOwnByteArrayDeserializer_withStringKeys_nullAndEmptyValuesStayApart(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    send(
        kafka,
        Codecs.string(),
        Codecs.bytes(),
        List.of(
            Message.of(names.topic(), "bytes", new byte[] {1, 2, 3}),
            Message.of(names.topic(), "empty", new byte[0]),
            Message.tombstone(names.topic(), "tombstone")));

    // when: Kafka's own deserializer for values, Gregor's string codec for keys
    List<Received<String, byte[]>> received;
    try (var consumer =
        Consumer.create(
            ConsumerSettings.create(
                    kafka.bootstrapServers(),
                    names.group(),
                    Codecs.string(),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer())
                .withKafka("auto.offset.reset", "earliest")
                .withTopics(names.topic()))) {
      received = data(consumer.output(), 3);
    }

    // then
    assertThat(received)
        .extracting(Received::key, Received::value)
        .containsExactly(
            tuple("bytes", new byte[] {1, 2, 3}),
            tuple("empty", new byte[0]),
            tuple("tombstone", null));
  }
}
