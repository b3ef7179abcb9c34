package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Regression: {@code close()} hung forever when nobody read the output, because the loop waited for
 * an in-flight permit that only a reader could free and never saw the close request.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class CloseWithUnreadOutputTest {

  @Test
  void close_whileIntakeIsStoppedByAnUnreadOutput_returnsAndLosesNothing(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: a producer stalled by its unread output, with messages still in its input buffer
    String topic = names.topic();
    kafka.createTopic(topic, 1);
    var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.ints())
                .withOutputPolicy(EventType.DATA, EventType.CONTROL)
                .withInputBufferSize(8)
                .withOutputBufferSize(2)
                .withMaxInFlight(2));
    int count = 2 + 2 + 1 + 8; // fills the output, the in-flight slots, the loop and the input
    for (int i = 0; i < count; i++) {
      producer.input().send(Message.of(topic, i));
    }

    // when
    producer.close();

    // then: every accepted message was sent, and its result is still readable
    assertThat(TopicReader.count(kafka, topic)).isEqualTo(count);
    var events = Outputs.untilEof(producer.output());
    assertThat(Outputs.data(events))
        .extracting(sent -> sent.message().value())
        .containsExactlyInAnyOrderElementsOf(
            java.util.stream.IntStream.range(0, count).boxed().toList());
    assertThat(events.subList(count, events.size()))
        .containsExactly(new Event.Result<>(new Operation.Close(), null), new Event.Eof<>());
  }
}
