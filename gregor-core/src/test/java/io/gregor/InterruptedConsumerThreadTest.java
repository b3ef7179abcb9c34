package io.gregor;

import static io.gregor.ConsumerTesting.nextMatching;
import static io.gregor.ConsumerTesting.produceStrings;
import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.stream.Gatherer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Code on the consumer's thread that interrupts it is reported, and the consumer goes on. */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class InterruptedConsumerThreadTest {

  @Test
  void interrupt_fromATransducer_isAnErrorEvent_andLaterRecordsStillArrive(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: a transducer that interrupts its own thread on the first record
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 1);
    Gatherer<Received<String, String>, ?, Long> interrupts =
        Gatherer.of(
            (state, record, downstream) -> {
              if (record.offset() == 0) {
                Thread.currentThread().interrupt();
              }
              return downstream.push(record.offset());
            });
    try (var consumer =
        Consumer.create(
            stringSettings(kafka, names).withTopics(names.topic()).withTransducer(interrupts))) {
      // when
      var error = nextMatching(consumer.output(), event -> event instanceof Event.Error<?>);

      // then
      assertThat(((Event.Error<?>) error).failure().message()).contains("interrupted");
      produceStrings(kafka, names.topic(), 0, 1);
      assertThat(nextMatching(consumer.output(), event -> event.equals(new Event.Data<>(1L))))
          .isEqualTo(new Event.Data<>(1L));
    }
  }
}
