package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Regression: a direct call made on the producer's own thread (from a transducer or serializer)
 * waited for the loop that was running it, and the producer hung for good.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class CallFromProducerThreadTest {

  @Test
  void directCallFromTransducer_failsInsteadOfDeadlocking(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: a transducer that asks its own producer for metrics
    String topic = names.topic();
    kafka.createTopic(topic, 1);
    var self = new AtomicReference<Producer<String, String, String>>();
    var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
                .withOutputPolicy(EventType.DATA, EventType.ERROR)
                .withTransducer(
                    Transducers.<String, Message<String, String>>map(
                        input -> {
                          self.get().metrics();
                          return Message.of(topic, input);
                        })));
    self.set(producer);

    // when
    producer.input().send("hello");

    // then: the transducer's call failed, which is reported as a transducer error
    var event = Outputs.next(producer.output());
    assertThat(event)
        .isInstanceOfSatisfying(
            Event.Error.class,
            error -> {
              assertThat(error.failure().kind()).isEqualTo(ErrorKind.TRANSDUCER);
              assertThat(error.failure().cause())
                  .isInstanceOf(GregorException.class)
                  .hasMessageContaining("own thread");
            });
    producer.close();
  }
}
