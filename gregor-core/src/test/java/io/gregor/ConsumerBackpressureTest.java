package io.gregor;

import static io.gregor.ConsumerTesting.next;
import static io.gregor.ConsumerTesting.produce;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
 * backed up and keeps polling, so it stays in its group however long the reader takes, and what it
 * holds stays bounded by its settings.
 */
@ExtendWith(KafkaExtension.class)
class ConsumerBackpressureTest {
  private static final Logger log = LoggerFactory.getLogger(ConsumerBackpressureTest.class);
  private static final int PARTITIONS = 4;
  private static final int RECORDS = 200_000;
  private static final int OUTPUT_BUFFER = 1024;
  private static final int MAX_POLL_RECORDS = 500;

  /**
   * Records fetched but not yet taken by the reader, at most: the output channel's buffer, the
   * events waiting for it up to the pause threshold (max of the two settings), and one more poll.
   */
  private static final int IN_FLIGHT_BOUND =
      OUTPUT_BUFFER + Math.max(OUTPUT_BUFFER, MAX_POLL_RECORDS) + MAX_POLL_RECORDS;

  /**
   * How often the reader samples what the consumer has fetched: finer than one poll's records, so
   * that a poll too many between two samples cannot go unseen.
   */
  private static final int SAMPLE_EVERY = MAX_POLL_RECORDS / 4;

  /** The reader's simulated work: 150 µs a record, 30 s for the whole backlog. */
  private static final long WORK_NANOS_PER_RECORD = 30_000_000_000L / RECORDS;

  @Test
  @Timeout(180)
  void slowReader_overALargeBacklog_isNeverEvicted_andGetsEveryRecordOnceInOrder(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: a backlog that takes the reader three times max.poll.interval.ms
    kafka.createTopic(names.topic(), PARTITIONS);
    produceBacklog(kafka, names.topic());
    var settings =
        ConsumerSettings.create(
                kafka.bootstrapServers(), names.group(), Codecs.ints(), Codecs.longs())
            .withKafka("auto.offset.reset", "earliest")
            .withKafka("max.poll.interval.ms", 10_000)
            .withKafka("max.poll.records", MAX_POLL_RECORDS)
            .withOutputBufferSize(OUTPUT_BUFFER)
            .withTopics(names.topic());

    try (var consumer = Consumer.create(settings);
        var admin = ConsumerCommitTest.admin(kafka)) {
      long[] expected = new long[PARTITIONS];
      Set<TopicPartition> firstAssignment = new HashSet<>();
      List<Event<Received<Integer, Long>>> notices = new ArrayList<>();
      long maxInFlight = 0;
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
            if (received % SAMPLE_EVERY == 0) {
              maxInFlight = Math.max(maxInFlight, fetched(consumer, firstAssignment) - received);
            }
            work(start, received);
          }
          case Event.Rebalance<Received<Integer, Long>> rebalance
              when rebalance.kind() == RebalanceKind.ASSIGNED && firstAssignment.isEmpty() ->
              firstAssignment.addAll(rebalance.partitions());
          case Event<Received<Integer, Long>> other -> notices.add(other);
        }
      }
      log.info(
          "the reader took {} s for {} records; at most {} fetched records were not yet taken",
          (System.nanoTime() - start) / 1e9,
          RECORDS,
          maxInFlight);

      // then: never evicted, still a member, memory bounded
      assertThat(firstAssignment).hasSize(PARTITIONS);
      assertThat(notices).as("events after the first assignment").isEmpty();
      assertThat(expected).containsOnly(RECORDS / PARTITIONS);
      ConsumerGroupDescription group =
          admin.describeConsumerGroups(List.of(names.group())).all().get().get(names.group());
      assertThat(group.groupState()).isEqualTo(GroupState.STABLE);
      assertThat(group.members()).hasSize(1);
      assertThat(consumer.assignment()).isEqualTo(firstAssignment);
      assertThat(maxInFlight).isBetween(1L, (long) IN_FLIGHT_BOUND);
    }
  }

  private static void produceBacklog(EmbeddedKafka kafka, String topic) {
    long start = System.nanoTime();
    List<ProducerRecord<Integer, Long>> records = new ArrayList<>(RECORDS);
    for (int i = 0; i < RECORDS; i++) {
      int partition = i % PARTITIONS;
      records.add(new ProducerRecord<>(topic, partition, partition, (long) i / PARTITIONS));
    }
    produce(kafka, new IntegerSerializer(), new LongSerializer(), records);
    log.info(
        "produced the backlog of {} records in {} s", RECORDS, (System.nanoTime() - start) / 1e9);
  }

  /** Records the consumer has fetched from Kafka so far (the sum of its positions). */
  private static long fetched(Consumer<?, ?, ?> consumer, Set<TopicPartition> partitions) {
    long sum = 0;
    for (TopicPartition partition : partitions) {
      sum += consumer.position(partition);
    }
    return sum;
  }

  /** Simulated work, paced so that the whole backlog takes 30 s whatever the overheads. */
  private static void work(long start, int done) {
    long left = start + done * WORK_NANOS_PER_RECORD - System.nanoTime();
    if (left > 0) {
      LockSupport.parkNanos(left);
    }
  }
}
