package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;

import com.softwaremill.jox.Select;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** A consumer with {@code isolation.level=read_committed} on a topic written in transactions. */
@ExtendWith(KafkaExtension.class)
@Timeout(120)
class ReadCommittedConsumerTest {

  /**
   * An aborted transaction of two, then a committed one: x1, x2, abort marker, ok, commit marker.
   */
  private static void abortedThenCommitted(EmbeddedKafka kafka, String topic)
      throws InterruptedException {
    try (var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
                .withKafka("transactional.id", topic))) {
      producer.beginTransaction();
      producer.input().send(Message.of(topic, "x1"));
      producer.input().send(Message.of(topic, "x2"));
      producer.flush();
      producer.abortTransaction();
      producer.beginTransaction();
      producer.input().send(Message.of(topic, "ok"));
      producer.commitTransaction();
    }
  }

  private static Consumer<String, String, Received<String, String>> readCommitted(
      EmbeddedKafka kafka, TestNames names) {
    return Consumer.create(
        ConsumerSettings.create(
                kafka.bootstrapServers(), names.group(), Codecs.string(), Codecs.string())
            .withKafka("isolation.level", "read_committed")
            .withKafka("enable.auto.commit", false)
            .withKafka("auto.offset.reset", "earliest")
            .withOutputPolicy(EventType.ERROR));
  }

  @Test
  void abortedTransaction_isNeverDelivered(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    abortedThenCommitted(kafka, names.topic());

    try (var consumer = readCommitted(kafka, names)) {
      // when
      consumer.assign(Set.of(new TopicPartition(names.topic(), 0)));
      var first = Outputs.next(consumer.output());

      // then: the first record is the committed one; nothing else comes before the end
      assertThat(first).isInstanceOf(Event.Data.class);
      var record = (Received<?, ?>) ((Event.Data<?>) first).value();
      assertThat(record.value()).isEqualTo("ok");
      assertThat(record.offset()).isEqualTo(3);
      org.awaitility.Awaitility.await()
          .atMost(Outputs.PATIENCE)
          .until(() -> consumer.lag().values().stream().allMatch(lag -> lag == 0));
      Object next =
          Select.selectOrClosed(
              consumer.output().receiveClause(), Select.defaultClause("nothing more"));
      assertThat(next).isEqualTo("nothing more");
    }
  }

  @Test
  void commit_afterTheLastCommittedRecord_stepsOverTheTransactionMarker(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    abortedThenCommitted(kafka, names.topic());
    var partition = new TopicPartition(names.topic(), 0);
    try (var consumer = readCommitted(kafka, names)) {
      consumer.assign(Set.of(partition));
      assertThat(Outputs.next(consumer.output())).isInstanceOf(Event.Data.class); // "ok", at 3

      // when
      var committed = consumer.commit();

      // then: past the commit marker at 4, so the group has no lag
      assertThat(committed.get(partition).offset()).isEqualTo(5);
      assertThat(consumer.endOffsets(Set.of(partition))).containsEntry(partition, 5L);
    }
  }
}
