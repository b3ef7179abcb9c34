package io.gregor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.Acknowledgements;
import io.gregor.Failure;
import io.gregor.Received;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The acknowledger's bookkeeping: an acknowledgement is applied by the thread that gives it, and
 * the loop's thread folds it in on its next turn. Every record is accounted for exactly once,
 * whichever of an acknowledging thread and the loop (forgetting a partition) gets to it first.
 */
@Timeout(60)
class AcknowledgerTest {
  private static final String TOPIC = "acknowledger-test";

  /** The loop's side: counts its wakes. */
  private static final class RecordingLoop implements Acknowledger.Loop {
    final AtomicInteger wakes = new AtomicInteger();

    @Override
    public void emitError(Failure failure) {}

    @Override
    public void redeliver(Acknowledger.Entry entry) {}

    @Override
    public void wake() {
      wakes.incrementAndGet();
    }
  }

  private final RecordingLoop loop = new RecordingLoop();

  private Acknowledger acknowledger(Acknowledgements settings) {
    return new Acknowledger(settings, new DeadLetters(null, Map.of()), loop);
  }

  private static Received<String, String> record(int partition, long offset) {
    return new Received<>(
        TOPIC,
        partition,
        offset,
        Instant.EPOCH,
        TimestampType.CREATE_TIME,
        "k",
        "v",
        List.of(),
        1,
        1,
        null);
  }

  /** Delivers records at offsets 0 to {@code count - 1} of partition 0, in order; returns them. */
  private static List<Received<String, String>> deliverOnPartition0(
      Acknowledger acknowledger, int count) {
    List<Received<String, String>> records = new ArrayList<>();
    for (long offset = 0; offset < count; offset++) {
      records.add(record(0, offset));
      acknowledger.delivered(records.getLast(), null, null, offset + 1);
    }
    return records;
  }

  private static TopicPartition partition(int partition) {
    return new TopicPartition(TOPIC, partition);
  }

  @Test
  void anAcknowledgement_holdsCommitsNoLonger_evenBeforeTheLoopFoldsItIn()
      throws InterruptedException {
    // given
    var acknowledger = acknowledger(Acknowledgements.defaults());
    List<Received<String, String>> records = deliverOnPartition0(acknowledger, 10);

    // when: another thread acknowledges the first five
    Thread acknowledging =
        Thread.ofVirtual().start(() -> records.subList(0, 5).forEach(acknowledger::acknowledge));
    assertThat(acknowledging.join(Duration.ofSeconds(10))).as("acknowledging ended").isTrue();

    // then
    assertThat(acknowledger.firstWaiting(partition(0))).isEqualTo(5);
    assertThat(acknowledger.isWaiting(records.get(4))).isFalse();
    assertThat(acknowledger.count()).as("not yet folded in").isEqualTo(10);
    acknowledger.apply();
    assertThat(acknowledger.count()).isEqualTo(5);
  }

  @Test
  void acknowledgementsRacingWithTheLoopForgettingPartitions_countEachRecordOnce()
      throws InterruptedException {
    // given: 4 partitions of 5,000 waiting records each
    var acknowledger =
        acknowledger(Acknowledgements.defaults().withMaxUnacknowledged(1 << 20, 1L << 40));
    int partitions = 4;
    int perPartition = 5_000;
    List<Received<String, String>> records = new ArrayList<>();
    long sequence = 0;
    for (long offset = 0; offset < perPartition; offset++) {
      for (int partition = 0; partition < partitions; partition++) {
        records.add(record(partition, offset));
        acknowledger.delivered(records.getLast(), null, null, ++sequence);
      }
    }

    // when: two threads acknowledge every record (interleaved over the partitions); once a
    // quarter are given, and before the loop has folded any in, it forgets partitions 0 and 1
    // while the acknowledgements go on, and applies them as they come
    var start = new CountDownLatch(1);
    var given = new AtomicInteger();
    List<Thread> acknowledging = new ArrayList<>();
    int half = records.size() / 2;
    for (var mine : List.of(records.subList(0, half), records.subList(half, records.size()))) {
      acknowledging.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    awaitQuietly(start);
                    for (var record : mine) {
                      acknowledger.acknowledge(record);
                      given.incrementAndGet();
                    }
                  }));
    }
    start.countDown();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (given.get() < records.size() / 4 && System.nanoTime() < until) {
      Thread.onSpinWait();
    }
    assertThat(given.get())
        .as("a quarter given within 10 s")
        .isGreaterThanOrEqualTo(records.size() / 4);
    acknowledger.forget(List.of(partition(0), partition(1)));
    while (acknowledging.stream().anyMatch(Thread::isAlive) && System.nanoTime() < until) {
      acknowledger.apply();
    }
    for (Thread thread : acknowledging) {
      assertThat(thread.join(Duration.ofSeconds(30))).as("acknowledging ended").isTrue();
    }
    acknowledger.apply();

    // then: nothing waits, and nothing is counted twice (the count would go below zero)
    assertThat(acknowledger.count()).isZero();
    for (int partition = 0; partition < partitions; partition++) {
      assertThat(acknowledger.firstWaiting(partition(partition))).isEqualTo(-1);
    }
    assertThat(acknowledger.full()).isFalse();
  }

  @Test
  void atTheBound_enoughAcknowledgementsToResumeFetching_wakeTheLoopOnce() {
    // given: a bound of 8 records, reached; fetching resumes at 6 (three quarters)
    var acknowledger = acknowledger(Acknowledgements.defaults().withMaxUnacknowledged(8, 1L << 40));
    List<Received<String, String>> records = deliverOnPartition0(acknowledger, 8);
    assertThat(acknowledger.full()).isTrue();

    // when
    acknowledger.acknowledge(records.get(0));
    int wakesAfterOne = loop.wakes.get();
    acknowledger.acknowledge(records.get(1));
    acknowledger.acknowledge(records.get(2));

    // then: the second one brings it to the low-water mark, and wakes the loop; later ones do not
    assertThat(wakesAfterOne).isZero();
    assertThat(loop.wakes.get()).isEqualTo(1);
    assertThat(acknowledger.hasSignals()).isTrue();
    acknowledger.apply();
    assertThat(acknowledger.full()).isFalse();
    assertThat(acknowledger.count()).isEqualTo(5);
  }

  @Test
  void commitEveryAcknowledgements_makeACommitDue_andWakeTheLoop() {
    // given
    var acknowledger = acknowledger(Acknowledgements.defaults().withCommitEvery(3));
    List<Received<String, String>> records = deliverOnPartition0(acknowledger, 6);

    // when
    records.subList(0, 2).forEach(acknowledger::acknowledge);
    boolean dueAfterTwo = acknowledger.commitDue();
    acknowledger.acknowledge(records.get(2));

    // then
    assertThat(dueAfterTwo).isFalse();
    assertThat(acknowledger.commitDue()).isTrue();
    assertThat(loop.wakes.get()).isEqualTo(1);
    acknowledger.committed();
    assertThat(acknowledger.commitDue()).isFalse();
  }

  @Test
  void withoutCommits_acknowledgementsPastCommitEvery_wakeTheLoopOnlyOnce() {
    // given: automatic commits off, so the loop never commits (committed() is not called)
    var acknowledger = acknowledger(Acknowledgements.defaults().withCommitEvery(2));
    List<Received<String, String>> records = deliverOnPartition0(acknowledger, 10);

    // when: each acknowledgement comes after the loop's turn, which applies what came before
    for (var record : records) {
      acknowledger.acknowledge(record);
      acknowledger.apply();
    }

    // then: the commit came due once, and that alone woke the loop; a wake per acknowledgement
    // would spin the loop at the handlers' pace
    assertThat(acknowledger.commitDue()).isTrue();
    assertThat(loop.wakes.get()).isEqualTo(1);
  }

  @Test
  void aCommit_movesTheMark_andTheNextCommitEveryAcknowledgementsWakeTheLoopAgain() {
    // given
    var acknowledger = acknowledger(Acknowledgements.defaults().withCommitEvery(2));
    List<Received<String, String>> records = deliverOnPartition0(acknowledger, 4);
    records.subList(0, 2).forEach(acknowledger::acknowledge);
    acknowledger.apply();
    acknowledger.committed();

    // when
    acknowledger.acknowledge(records.get(2));
    boolean dueAfterOne = acknowledger.commitDue();
    acknowledger.acknowledge(records.get(3));

    // then
    assertThat(dueAfterOne).isFalse();
    assertThat(acknowledger.commitDue()).isTrue();
    assertThat(loop.wakes.get()).isEqualTo(2);
  }

  @Test
  void anAcknowledgementOfARecordNoLongerWaiting_changesNothing() {
    // given: a record acknowledged once
    var acknowledger = acknowledger(Acknowledgements.defaults());
    var record = record(0, 0);
    acknowledger.delivered(record, null, null, 1);
    acknowledger.delivered(record(0, 1), null, null, 2);
    acknowledger.acknowledge(record);

    // when: acknowledged again, and an equal record that was never delivered
    acknowledger.acknowledge(record);
    acknowledger.acknowledge(record(0, 1));
    acknowledger.apply();

    // then
    assertThat(acknowledger.count()).isEqualTo(1);
    assertThat(acknowledger.firstWaiting(partition(0))).isEqualTo(1);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
