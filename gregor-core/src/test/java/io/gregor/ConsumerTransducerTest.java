package io.gregor;

import static io.gregor.ConsumerTesting.data;
import static io.gregor.ConsumerTesting.next;
import static io.gregor.ConsumerTesting.nextMatching;
import static io.gregor.ConsumerTesting.produceStrings;
import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Gatherers;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** A consumer's transducer (a Gatherer) shapes what reaches the output. */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ConsumerTransducerTest {

  @Test
  void transducer_windowFixed_deliversWindows_andTheLastPartialOneAtClose(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 10);
    var settings =
        stringSettings(kafka, names)
            .withTopics(names.topic())
            .withTransducer(
                Transducers.<Received<String, String>, String>map(Received::value)
                    .andThen(Gatherers.windowFixed(3)));
    var consumer = Consumer.create(settings);

    // when
    var windows = data(consumer.output(), 3);
    consumer.control().send(new Operation.Close());

    // then
    assertThat(windows)
        .containsExactly(
            List.of("value-0", "value-1", "value-2"),
            List.of("value-3", "value-4", "value-5"),
            List.of("value-6", "value-7", "value-8"));
    assertThat(nextMatching(consumer.output(), event -> event instanceof Event.Data<?>))
        .isEqualTo(new Event.Data<>(List.of("value-9")));
    assertThat(nextMatching(consumer.output(), event -> !(event instanceof Event.Rebalance<?>)))
        .isEqualTo(new Event.Result<>(new Operation.Close(), null));
    assertThat(next(consumer.output())).isEqualTo(new Event.Eof<>());
  }

  @Test
  void transducer_take_stopsAfterN_andCommitsNoFurther(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 20);
    var zero = new TopicPartition(names.topic(), 0);
    var settings =
        stringSettings(kafka, names)
            .withKafka("enable.auto.commit", false)
            .withTopics(names.topic())
            .withTransducer(Transducers.<Received<String, String>>take(5));
    try (var consumer = Consumer.create(settings)) {

      // when
      var taken = data(consumer.output(), 5);

      // then
      assertThat(taken)
          .extracting(Received::value)
          .containsExactly("value-0", "value-1", "value-2", "value-3", "value-4");
      var stopped = nextMatching(consumer.output(), event -> event instanceof Event.Error<?>);
      assertThat(((Event.Error<?>) stopped).failure().kind())
          .isEqualTo(ErrorKind.TRANSDUCER_STOPPED);
      assertThat(consumer.commit())
          .isEqualTo(Map.of(zero, new OffsetAndMetadata(5, Optional.of(0), "")));
      assertThat(consumer.committed(Set.of(zero)).get(zero).offset()).isEqualTo(5L);
    }
  }

  @Test
  void transducer_filter_dropsRecords_andKeepsTheOrder(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 10);
    var settings =
        stringSettings(kafka, names)
            .withTopics(names.topic())
            .withTransducer(
                Transducers.<Received<String, String>>filter(record -> record.offset() % 3 == 0)
                    .andThen(Transducers.map(Received::value)));
    try (var consumer = Consumer.create(settings)) {

      // when
      var values = data(consumer.output(), 4);

      // then
      assertThat(values).containsExactly("value-0", "value-3", "value-6", "value-9");
    }
  }
}
