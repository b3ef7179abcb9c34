package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;

import com.softwaremill.jox.ChannelClosed;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Regression: when the loop failed (here: a serializer throwing an {@link Error}), the inputs still
 * in the input channel were dropped without a word.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ProducerLoopFailureTest {

  @Test
  void fatalError_reportsItThenEveryAcceptedInputGetsOneOutcomeThenEof(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: a serializer that fails beyond repair on "fatal"
    String topic = names.topic();
    kafka.createTopic(topic, 1);
    Serializer<String> failing =
        (t, value) -> {
          if (value.equals("fatal")) {
            throw new AssertionError("broken beyond repair");
          }
          return Codecs.string().serialize(t, value);
        };
    var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), failing)
                .withOutputPolicy(EventType.DATA, EventType.ERROR, EventType.CONTROL));

    // when
    List<Message<String, String>> accepted = new ArrayList<>();
    for (String value : List.of("a", "b", "fatal", "c", "d", "e", "f", "g")) {
      var message = Message.<String, String>of(topic, value);
      if (!(producer.input().sendOrClosed(message) instanceof ChannelClosed)) {
        accepted.add(message);
      }
    }

    // then: one outcome per accepted message; the stream ends with EOF and no close result
    var events = Outputs.untilEof(producer.output());
    Map<Object, List<String>> outcomes = new HashMap<>();
    for (Event<Sent<String, String>> event : events) {
      switch (event) {
        case Event.Data<Sent<String, String>>(var sent) ->
            outcomes.computeIfAbsent(sent.message(), m -> new ArrayList<>()).add("sent");
        case Event.Error<?>(var failure) ->
            outcomes
                .computeIfAbsent(failure.subject(), m -> new ArrayList<>())
                .add(failure.kind().name());
        default -> {}
      }
    }
    assertThat(outcomes.keySet()).containsExactlyInAnyOrderElementsOf(accepted);
    assertThat(outcomes.get(accepted.get(0))).containsExactly("sent");
    assertThat(outcomes.get(accepted.get(1))).containsExactly("sent");
    assertThat(outcomes.get(accepted.get(2))).containsExactly("FATAL");
    assertThat(accepted.subList(3, accepted.size()))
        .allSatisfy(m -> assertThat(outcomes.get(m)).containsExactly("NOT_SENT"));
    assertThat(events).doesNotContain(new Event.Result<>(new Operation.Close(), null));
    assertThat(events.getLast()).isEqualTo(new Event.Eof<>());
    assertThat(producer.input().sendOrClosed(Message.of(topic, "late")))
        .isInstanceOf(ChannelClosed.class);
  }
}
