package io.gregor.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.Codecs;
import io.gregor.Consumer;
import io.gregor.ConsumerSettings;
import io.gregor.Event;
import io.gregor.Message;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import io.gregor.Received;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The guide's example of a test using the embedded broker; it runs as it is shown. */
// tag::extension[]
@ExtendWith(KafkaExtension.class)
class EmbeddedBrokerExampleTest {

  @Test
  void aSentGreetingArrives(EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given
    String topic = names.topic();
    kafka.createTopic(topic, 1);
    var producerSettings =
        ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string());
    var consumerSettings =
        ConsumerSettings.create(
                kafka.bootstrapServers(), names.group(), Codecs.string(), Codecs.string())
            .withTopics(topic)
            .withKafka("auto.offset.reset", "earliest");

    // when
    try (var producer = Producer.create(producerSettings)) {
      producer.input().send(Message.of(topic, "hello"));
    }

    // then
    try (var consumer = Consumer.create(consumerSettings)) {
      Event<Received<String, String>> event = consumer.output().receive();
      while (!(event instanceof Event.Data(var record))) {
        event = consumer.output().receive(); // skip the rebalance notice
      }
      assertThat(record.value()).isEqualTo("hello");
    }
  }
}
// end::extension[]
