package io.gregor;

import static io.gregor.ConsumerTesting.data;
import static io.gregor.ConsumerTesting.nextMatching;
import static io.gregor.ConsumerTesting.produceStrings;
import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.Set;
import java.util.stream.Gatherer;
import java.util.stream.Gatherers;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Commits with a transducer that holds records back or stops early never pass a record whose
 * outputs the reader has not taken, nor a record the transducer refused.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ConsumerCommitWithTransducerTest {

  @Test
  void commit_withMapConcurrent_doesNotPassRecordsStillInTheTransducer(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: mapConcurrent holds up to 4 records while their work runs
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 10);
    var zero = new TopicPartition(names.topic(), 0);
    var settings =
        stringSettings(kafka, names)
            .withKafka("enable.auto.commit", false)
            .withTopics(names.topic())
            .withTransducer(
                Gatherers.<Received<String, String>, Long>mapConcurrent(
                    4,
                    record -> {
                      try {
                        Thread.sleep(50); // the work each record takes
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      return record.offset();
                    }));
    try (var consumer = Consumer.create(settings)) {
      // when: the reader takes the outputs of offsets 0 and 1
      assertThat(data(consumer.output(), 2)).containsExactly(0L, 1L);
      var committed = consumer.commit();

      // then: nothing past offset 2 (the transducer may still hold 2 and later)
      assertThat(committed.getOrDefault(zero, new OffsetAndMetadata(0)).offset())
          .isLessThanOrEqualTo(2L);
    }
  }

  @Test
  void commit_afterATakeWhileRefusedARecord_stopsBeforeIt(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given: a take-while that refuses offset 5
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 10);
    var zero = new TopicPartition(names.topic(), 0);
    Gatherer<Received<String, String>, ?, Long> belowFive =
        Gatherer.<Received<String, String>, Long>ofSequential(
            (state, record, downstream) -> record.offset() < 5 && downstream.push(record.offset()));
    var settings =
        stringSettings(kafka, names)
            .withKafka("enable.auto.commit", false)
            .withTopics(names.topic())
            .withTransducer(belowFive);
    try (var consumer = Consumer.create(settings)) {
      assertThat(data(consumer.output(), 5)).containsExactly(0L, 1L, 2L, 3L, 4L);
      var stopped = nextMatching(consumer.output(), event -> event instanceof Event.Error<?>);
      assertThat(((Event.Error<?>) stopped).failure().kind())
          .isEqualTo(ErrorKind.TRANSDUCER_STOPPED);

      // when
      consumer.commit();

      // then
      assertThat(consumer.committed(Set.of(zero)).get(zero).offset()).isEqualTo(5L);
    }
  }

  @Test
  void commit_withAWindow_commitsTheWindowOnceItsOutputIsTaken_atClose(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: windows of 3 over 7 records; the reader takes all outputs, the last from the finisher
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, 7);
    var zero = new TopicPartition(names.topic(), 0);
    var settings =
        stringSettings(kafka, names)
            .withTopics(names.topic())
            .withTransducer(Gatherers.<Received<String, String>>windowFixed(3));
    var consumer = Consumer.create(settings);
    assertThat(data(consumer.output(), 2)).hasSize(2);

    // when: the reader has taken two windows (offsets 0 to 5); offset 6 is held by the window
    var committed = consumer.commit();

    // then: a holding transducer settles nothing before it finishes
    assertThat(committed).doesNotContainKey(zero);
    consumer.close();
    try (var again = Consumer.create(stringSettings(kafka, names).withTopics(names.topic()))) {
      // the close could not commit either: the finisher's window was not taken before it
      assertThat(data(again.output(), 1).getFirst().offset()).isZero();
    }
  }
}
