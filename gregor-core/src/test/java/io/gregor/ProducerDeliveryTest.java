package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** What arrives, in which order, and that every message gets exactly one outcome. */
@ExtendWith(KafkaExtension.class)
@Timeout(120)
class ProducerDeliveryTest {

  @Test
  void send_messageWithEveryField_arrivesAsGivenAndItsDataEventSaysWhere(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    String topic = names.topic();
    kafka.createTopic(topic, 3);
    var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
                .withOutputPolicy(EventType.DATA, EventType.ERROR));
    Instant timestamp = Instant.parse("2024-02-29T12:00:00.123Z");
    var message =
        Message.<String, String>of(topic, "key", "value")
            .withPartition(2)
            .withTimestamp(timestamp)
            .withHeader("source", "test")
            .withHeader(new Header("empty", null));

    // when
    producer.input().send(message);

    // then: the data event carries the message and where it landed
    var event = Outputs.next(producer.output());
    assertThat(event)
        .isEqualTo(new Event.Data<>(new Sent<>(message, topic, 2, 0, timestamp, 3, 5)));
    producer.close();
    // and the topic holds it as given
    var records = TopicReader.readAll(kafka, topic, Codecs.string(), Codecs.string());
    assertThat(records)
        .singleElement()
        .satisfies(
            record -> {
              assertThat(record.partition()).isEqualTo(2);
              assertThat(record.key()).isEqualTo("key");
              assertThat(record.value()).isEqualTo("value");
              assertThat(record.timestamp()).isEqualTo(timestamp.toEpochMilli());
              assertThat(headers(record.headers()))
                  .containsExactly(Header.of("source", "test"), new Header("empty", null));
            });
  }

  @Test
  void send_manyMessagesWithOneKey_keepTheirOrderInThePartition(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: a topic with 3 partitions and messages that all share a key
    String topic = names.topic();
    kafka.createTopic(topic, 3);
    var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.ints())
                .withOutputPolicy(EventType.DATA, EventType.ERROR));
    List<Integer> values = IntStream.range(0, 5000).boxed().toList();

    // when
    for (int value : values) {
      producer.input().send(Message.of(topic, "same key", value));
    }
    producer.close();

    // then: the data events and the partition hold them in the order sent
    var events = Outputs.untilEof(producer.output());
    assertThat(Outputs.failures(events)).isEmpty();
    var sent = Outputs.data(events);
    assertThat(sent).extracting(s -> s.message().value()).containsExactlyElementsOf(values);
    assertThat(sent).extracting(Sent::offset).isSorted();
    List<ConsumerRecord<String, Integer>> records =
        TopicReader.readAll(kafka, topic, Codecs.string(), Codecs.ints());
    assertThat(records)
        .extracting(ConsumerRecord::partition)
        .containsOnly(sent.getFirst().partition());
    assertThat(records).extracting(ConsumerRecord::value).containsExactlyElementsOf(values);
  }

  @Test
  void send_100000MessagesWithDataEvents_eachGetsExactlyOneEvent(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    String topic = names.topic();
    int count = 100_000;
    kafka.createTopic(topic, 3);
    var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.ints())
                .withOutputPolicy(EventType.DATA, EventType.ERROR, EventType.CONTROL));
    var failure = new AtomicReference<Throwable>();
    Thread sender =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    for (int i = 0; i < count; i++) {
                      producer.input().send(Message.of(topic, i));
                    }
                    producer.close();
                  } catch (Throwable e) {
                    failure.set(e);
                  }
                });

    // when: everything is read as it comes
    int[] outcomes = new int[count];
    int data = 0;
    int errors = 0;
    for (Event<Sent<String, Integer>> event = Outputs.next(producer.output());
        !(event instanceof Event.Eof<?>);
        event = Outputs.next(producer.output())) {
      switch (event) {
        case Event.Data<Sent<String, Integer>>(var sent) -> {
          outcomes[sent.message().value()]++;
          data++;
        }
        case Event.Error<?>(var f) -> {
          outcomes[(Integer) ((Message<?, ?>) f.subject()).value()]++;
          errors++;
        }
        default -> {}
      }
    }
    sender.join();

    // then
    assertThat(failure.get()).isNull();
    assertThat(errors).isZero();
    assertThat(data).isEqualTo(count);
    assertThat(IntStream.of(outcomes).filter(n -> n != 1).count()).isZero();
    assertThat(TopicReader.count(kafka, topic)).isEqualTo(count);
  }

  private static List<Header> headers(org.apache.kafka.common.header.Headers headers) {
    return Arrays.stream(headers.toArray()).map(h -> new Header(h.key(), h.value())).toList();
  }
}
