package io.gregor;

import static io.gregor.ConsumerTesting.next;
import static io.gregor.ConsumerTesting.produce;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.IntegerSerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A reader much slower than the consumer: the consumer pauses its partitions while the output is
 * full and keeps polling, so it stays in its group however long the reader takes.
 */
@ExtendWith(KafkaExtension.class)
class ConsumerBackpressureTest {
  private static final Logger log = LoggerFactory.getLogger(ConsumerBackpressureTest.class);
  private static final int PARTITIONS = 4;
  private static final int RECORDS = 200_000;

  /** The reader's simulated work: 150 µs a record, 30 s for the whole backlog. */
  private static final long WORK_NANOS_PER_RECORD = 30_000_000_000L / RECORDS;

  @Test
  @Timeout(180)
  void slowReader_overALargeBacklog_isNeverEvicted_andGetsEveryRecordOnceInOrder(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: a backlog that takes the reader three times max.poll.interval.ms
    kafka.createTopic(names.topic(), PARTITIONS);
    List<ProducerRecord<Integer, Long>> records = new ArrayList<>(RECORDS);
    for (int i = 0; i < RECORDS; i++) {
      int partition = i % PARTITIONS;
      records.add(new ProducerRecord<>(names.topic(), partition, partition, (long) i / PARTITIONS));
    }
    produce(kafka, new IntegerSerializer(), new LongSerializer(), records);
    records = null;
    var settings =
        ConsumerSettings.create(
                kafka.bootstrapServers(), names.group(), Codecs.ints(), Codecs.longs())
            .withKafka("auto.offset.reset", "earliest")
            .withKafka("max.poll.interval.ms", 10_000)
            .withTopics(names.topic());

    try (var consumer = Consumer.create(settings);
        var admin = ConsumerCommitTest.admin(kafka)) {
      long[] expected = new long[PARTITIONS];
      List<Event<Received<Integer, Long>>> notices = new ArrayList<>();
      Set<TopicPartition> firstAssignment = new HashSet<>();
      int received = 0;

      // when: the reader works on each record
      long start = System.nanoTime();
      while (received < RECORDS) {
        switch (next(consumer.output())) {
          case Event.Data<Received<Integer, Long>>(var record) -> {
            // then: exactly once, in order per partition
            assertThat(record.value())
                .as("value at %s", record.coordinates())
                .isEqualTo(expected[record.partition()]);
            expected[record.partition()]++;
            received++;
            long due = start + received * WORK_NANOS_PER_RECORD;
            long left = due - System.nanoTime();
            if (left > 0) {
              LockSupport.parkNanos(left);
            }
          }
          case Event.Rebalance<Received<Integer, Long>> rebalance
              when rebalance.kind() == RebalanceKind.ASSIGNED && firstAssignment.isEmpty() ->
              firstAssignment.addAll(rebalance.partitions());
          case Event<Received<Integer, Long>> other -> notices.add(other);
        }
      }
      long took = System.nanoTime() - start;
      log.info("the reader took {} s for {} records", took / 1_000_000_000.0, RECORDS);

      // then: never evicted, still a member
      assertThat(firstAssignment).hasSize(PARTITIONS);
      assertThat(notices).as("events after the first assignment").isEmpty();
      assertThat(expected).containsOnly(RECORDS / PARTITIONS);
      ConsumerGroupDescription group =
          admin.describeConsumerGroups(List.of(names.group())).all().get().get(names.group());
      assertThat(group.groupState()).isEqualTo(GroupState.STABLE);
      assertThat(group.members()).hasSize(1);
      assertThat(consumer.assignment()).hasSize(PARTITIONS);
      assertThat(consumer.lag()).isEqualTo(lagOfZero(consumer.assignment()));
    }
  }

  private static Map<TopicPartition, Long> lagOfZero(Set<TopicPartition> partitions) {
    var zero = new HashMap<TopicPartition, Long>();
    partitions.forEach(partition -> zero.put(partition, 0L));
    return zero;
  }
}
