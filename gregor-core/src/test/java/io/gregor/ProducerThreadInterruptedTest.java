package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;

import com.softwaremill.jox.ChannelClosed;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Regression: when user code running on the producer's thread set its interrupt flag, the message
 * being sent was dropped without a word and the transducer was treated as stopped.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ProducerThreadInterruptedTest {

  @Test
  void interruptFromTransducer_closesInOrderAndEveryAcceptedInputGetsAnOutcome(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: a transducer that interrupts its own thread on input 5
    String topic = names.topic();
    kafka.createTopic(topic, 1);
    var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
                .withOutputPolicy(EventType.DATA, EventType.ERROR, EventType.CONTROL)
                .withTransducer(
                    Transducers.<Integer, Message<String, String>>map(
                        i -> {
                          if (i == 5) {
                            Thread.currentThread().interrupt();
                          }
                          return Message.of(topic, String.valueOf(i));
                        })));

    // when
    List<String> accepted = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      if (!(producer.input().sendOrClosed(i) instanceof ChannelClosed)) {
        accepted.add(String.valueOf(i));
      }
    }

    // then: the producer says why it stops, sends every accepted input, and ends with EOF
    var events = Outputs.untilEof(producer.output());
    assertThat(Outputs.failures(events))
        .singleElement()
        .satisfies(
            failure -> {
              assertThat(failure.kind()).isEqualTo(ErrorKind.FATAL);
              assertThat(failure.message()).contains("interrupted");
            });
    assertThat(accepted).contains("0", "1", "2", "3", "4", "5");
    assertThat(Outputs.data(events))
        .extracting(sent -> sent.message().value())
        .containsExactlyElementsOf(accepted);
    assertThat(TopicReader.values(kafka, topic, Codecs.string()))
        .containsExactlyElementsOf(accepted);
  }
}
