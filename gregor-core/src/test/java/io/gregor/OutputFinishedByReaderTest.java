package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Regression: a reader that finished the output channel ({@code output().done()}) killed the
 * emitter, whose events then kept their in-flight permits, so the producer stopped for good after
 * {@code maxInFlight} more messages and could not close.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class OutputFinishedByReaderTest {

  @Test
  void outputDone_producerKeepsSendingAndCloses(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: a reader that no longer wants events
    String topic = names.topic();
    kafka.createTopic(topic, 1);
    var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.ints())
                .withOutputPolicy(EventType.DATA)
                .withMaxInFlight(4));
    producer.output().done();

    // when: far more messages than may be in flight
    for (int i = 0; i < 100; i++) {
      producer.input().send(Message.of(topic, i));
    }
    producer.close();

    // then
    assertThat(TopicReader.count(kafka, topic)).isEqualTo(100);
  }
}
