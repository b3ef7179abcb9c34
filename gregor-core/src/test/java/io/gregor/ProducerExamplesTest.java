package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Gatherer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The original README's producer examples, in Java, checked with the plain Kafka consumer. */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ProducerExamplesTest {

  @Test
  void simpleExample_sendsTwoMapsAsJson(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: the README's producer, which only wants errors
    String topic = names.topic();
    kafka.createTopic(topic, 1);
    var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.jsonMap())
                .withOutputPolicy(EventType.ERROR));

    // when
    producer.input().send(Message.of(topic, Map.of("a", 1, "b", 2)));
    producer.input().send(Message.of(topic, Map.of("a", 3, "b", 4)));
    producer.control().send(new Operation.Close());

    // then: no error, only EOF, and the topic holds both maps
    assertThat(Outputs.untilEof(producer.output())).containsExactly(new Event.Eof<>());
    assertThat(TopicReader.values(kafka, topic, Codecs.jsonMap()))
        .containsExactly(Map.of("a", 1, "b", 2), Map.of("a", 3, "b", 4));
  }

  @Test
  void transducerExample_reshapesInputsIntoKeyedTimestampedMessages(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: the README's transducer: add a timestamp, derive value and key from the uuid, set
    // the topic
    String topic = names.topic();
    kafka.createTopic(topic, 1);
    Gatherer<Map<String, Object>, ?, Message<Map<String, Object>, Map<String, Object>>> transducer =
        Transducers.<Map<String, Object>, Map<String, Object>>map(
                ProducerExamplesTest::addTimestamp)
            .andThen(Transducers.map(ProducerExamplesTest::keyedByUuid))
            .andThen(Transducers.map(message -> message.withTopic(topic)));
    var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.jsonMap(), Codecs.jsonMap())
                .withOutputPolicy(EventType.ERROR)
                .withTransducer(transducer));
    UUID uuid = UUID.randomUUID();
    Instant before = Instant.now();

    // when: an input that has neither a topic nor a message value
    producer.input().send(Map.of("uuid", uuid, "a", 1, "b", 2, "c", 3));
    producer.close();

    // then
    assertThat(Outputs.untilEof(producer.output())).containsExactly(new Event.Eof<>());
    List<ConsumerRecord<Map<String, Object>, Map<String, Object>>> records =
        TopicReader.readAll(kafka, topic, Codecs.jsonMap(), Codecs.jsonMap());
    assertThat(records).hasSize(1);
    assertThat(records.getFirst().key()).isEqualTo(Map.of("uuid", uuid.toString()));
    Map<String, Object> value = records.getFirst().value();
    assertThat(value).containsEntry("a", 1).containsEntry("b", 2).containsEntry("c", 3);
    assertThat(value).doesNotContainKey("uuid");
    assertThat(((Number) value.get("producer-timestamp")).longValue())
        .isGreaterThanOrEqualTo(before.toEpochMilli());
  }

  private static Map<String, Object> addTimestamp(Map<String, Object> input) {
    Map<String, Object> stamped = new HashMap<>(input);
    stamped.put("producer-timestamp", Instant.now().toEpochMilli());
    return stamped;
  }

  /** A message keyed by the input's uuid, whose value is the rest; its topic is set later. */
  private static Message<Map<String, Object>, Map<String, Object>> keyedByUuid(
      Map<String, Object> input) {
    Map<String, Object> value = new HashMap<>(input);
    Object uuid = value.remove("uuid");
    return new Message<>(null, null, Map.of("uuid", uuid), value, null, List.of(), false);
  }
}
