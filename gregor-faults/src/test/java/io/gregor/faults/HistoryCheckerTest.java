package io.gregor.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.faults.Entry.Acknowledged;
import io.gregor.faults.Entry.Consumed;
import io.gregor.faults.Entry.Failed;
import io.gregor.faults.Entry.Note;
import io.gregor.faults.Entry.Produced;
import io.gregor.faults.Report.OutOfOrder;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Each measure of the checker on a hand-made history, including histories it must fail. */
class HistoryCheckerTest {

  private static Duration at(double seconds) {
    return Duration.ofMillis((long) (seconds * 1000));
  }

  private static Produced produced(String id, String key, double seconds) {
    return new Produced(id, key, null, at(seconds));
  }

  private static Acknowledged acked(String id, int partition, long offset, double seconds) {
    return new Acknowledged(id, partition, offset, at(seconds));
  }

  private static Consumed read(
      String id, String key, int partition, long offset, String consumer, double seconds) {
    return new Consumed(id, key, partition, offset, consumer, at(seconds));
  }

  @Test
  void check_cleanHistory_reportsCountsAndNothingWrong() {
    // given: two messages, acknowledged and read once each, in order
    var history =
        History.of(
            produced("id-1", "k", 0),
            produced("id-2", "k", 0),
            acked("id-1", 0, 0, 0.1),
            acked("id-2", 0, 1, 0.1),
            new Note("nothing happens", at(0.2)),
            read("id-1", "k", 0, 0, "c1", 0.3),
            read("id-2", "k", 0, 1, "c1", 0.3));

    // when
    var report = HistoryChecker.check(history);

    // then
    assertThat(report.produced()).isEqualTo(2);
    assertThat(report.acknowledged()).isEqualTo(2);
    assertThat(report.failed()).isZero();
    assertThat(report.consumed()).isEqualTo(2);
    assertThat(report.lost()).isEmpty();
    assertThat(report.redelivered()).isEmpty();
    assertThat(report.writtenTwice()).isEmpty();
    assertThat(report.outOfOrder()).isEmpty();
    assertThat(report.unresolved()).isEmpty();
    assertThat(report.multipleOutcomes()).isEmpty();
    assertThat(report.failedButConsumed()).isEmpty();
    assertThat(report.unknown()).isEmpty();
  }

  @Test
  void check_acknowledgedButNeverRead_isLost() {
    // given
    var history =
        History.of(
            produced("id-1", "k", 0),
            produced("id-2", "k", 0),
            acked("id-1", 0, 0, 0.1),
            acked("id-2", 0, 1, 0.1),
            read("id-1", "k", 0, 0, "c1", 0.2));

    // when
    var report = HistoryChecker.check(history);

    // then
    assertThat(report.lost()).containsExactly("id-2");
    assertThat(report.consumed()).isEqualTo(1);
  }

  @Test
  void check_failedAndNeverRead_isNotLost() {
    // given: the producer said it could not send id-2
    var history =
        History.of(
            produced("id-1", "k", 0),
            produced("id-2", "k", 0),
            acked("id-1", 0, 0, 0.1),
            new Failed("id-2", "SEND_FAILED: timeout", at(5)),
            read("id-1", "k", 0, 0, "c1", 0.2));

    // when
    var report = HistoryChecker.check(history);

    // then
    assertThat(report.lost()).isEmpty();
    assertThat(report.failed()).isEqualTo(1);
    assertThat(report.unresolved()).isEmpty();
  }

  @Test
  void check_readTwiceAtTheSameOffset_isRedeliveredNotWrittenTwice() {
    // given: a second session reads id-1 again (after a rebalance, say)
    var history =
        History.of(
            produced("id-1", "k", 0),
            acked("id-1", 0, 0, 0.1),
            read("id-1", "k", 0, 0, "c1", 0.2),
            read("id-1", "k", 0, 0, "c2", 0.4));

    // when
    var report = HistoryChecker.check(history);

    // then
    assertThat(report.redelivered()).containsExactly("id-1");
    assertThat(report.writtenTwice()).isEmpty();
  }

  @Test
  void check_sameIdAtTwoOffsets_isWrittenTwice() {
    // given: a retry wrote id-1 again at offset 1, seen by the consumer only
    var history =
        History.of(
            produced("id-1", "k", 0),
            acked("id-1", 0, 0, 0.1),
            read("id-1", "k", 0, 0, "c1", 0.2),
            read("id-1", "k", 0, 1, "c1", 0.3));

    // when
    var report = HistoryChecker.check(history);

    // then
    assertThat(report.writtenTwice()).containsExactly("id-1");
    assertThat(report.redelivered()).containsExactly("id-1");
  }

  @Test
  void check_laterIdOfTheSameKeyReadFirst_isOutOfOrder() {
    // given: c1 reads id-3 before id-2 (same key); key j's order is fine
    var history =
        History.of(
            produced("id-1", "k", 0),
            produced("id-2", "k", 0),
            produced("id-3", "k", 0),
            produced("id-4", "j", 0),
            read("id-1", "k", 0, 0, "c1", 0.1),
            read("id-4", "j", 1, 0, "c1", 0.1),
            read("id-3", "k", 0, 2, "c1", 0.2),
            read("id-2", "k", 0, 1, "c1", 0.3));

    // when
    var report = HistoryChecker.check(history);

    // then
    assertThat(report.outOfOrder()).containsExactly(new OutOfOrder("c1", "k", "id-2", "id-3"));
  }

  @Test
  void check_differentKeysInterleaved_areNotOutOfOrder() {
    // given: ids of two keys read in another interleaving than produced, each key in its order
    var history =
        History.of(
            produced("id-1", "a", 0),
            produced("id-2", "b", 0),
            produced("id-3", "a", 0),
            read("id-2", "b", 1, 0, "c1", 0.1),
            read("id-1", "a", 0, 0, "c1", 0.2),
            read("id-3", "a", 0, 1, "c1", 0.3));

    // when
    var report = HistoryChecker.check(history);

    // then
    assertThat(report.outOfOrder()).isEmpty();
  }

  @Test
  void check_redeliveryAfterRebalanceInOneSession_isNotOutOfOrder() {
    // given: c1 reads 1, 2, 3, then 2 and 3 again (from the committed offset), then 4
    var history =
        History.of(
            produced("id-1", "k", 0),
            produced("id-2", "k", 0),
            produced("id-3", "k", 0),
            produced("id-4", "k", 0),
            read("id-1", "k", 0, 0, "c1", 0.1),
            read("id-2", "k", 0, 1, "c1", 0.1),
            read("id-3", "k", 0, 2, "c1", 0.1),
            read("id-2", "k", 0, 1, "c1", 0.2),
            read("id-3", "k", 0, 2, "c1", 0.2),
            read("id-4", "k", 0, 3, "c1", 0.3));

    // when
    var report = HistoryChecker.check(history);

    // then
    assertThat(report.outOfOrder()).isEmpty();
    assertThat(report.redelivered()).containsExactly("id-2", "id-3");
  }

  @Test
  void check_twoSessionsEachInOrder_areNotOutOfOrder() {
    // given: c2 takes over the key and starts again from id-2 after c1 read up to id-3
    var history =
        History.of(
            produced("id-1", "k", 0),
            produced("id-2", "k", 0),
            produced("id-3", "k", 0),
            read("id-1", "k", 0, 0, "c1", 0.1),
            read("id-2", "k", 0, 1, "c1", 0.1),
            read("id-3", "k", 0, 2, "c1", 0.1),
            read("id-2", "k", 0, 1, "c2", 0.2),
            read("id-3", "k", 0, 2, "c2", 0.2));

    // when
    var report = HistoryChecker.check(history);

    // then
    assertThat(report.outOfOrder()).isEmpty();
  }

  @Test
  void check_outcomes_reportsUnresolvedMultipleAndFailedButConsumed() {
    // given: id-1 has no outcome, id-2 two, id-3 failed yet was written
    var history =
        History.of(
            produced("id-1", "k", 0),
            produced("id-2", "k", 0),
            produced("id-3", "k", 0),
            acked("id-2", 0, 0, 0.1),
            new Failed("id-2", "SEND_FAILED", at(0.2)),
            new Failed("id-3", "SEND_FAILED", at(0.2)),
            read("id-3", "k", 0, 1, "c1", 0.3));

    // when
    var report = HistoryChecker.check(history);

    // then
    assertThat(report.unresolved()).containsExactly("id-1");
    assertThat(report.multipleOutcomes()).containsExactly("id-2");
    assertThat(report.failedButConsumed()).containsExactly("id-3");
  }

  @Test
  void check_readOrAcknowledgedWithoutProduction_isUnknown() {
    // given
    var history = History.of(acked("id-9", 0, 0, 0.1), read("id-8", "k", 0, 1, "c1", 0.2));

    // when
    var report = HistoryChecker.check(history);

    // then
    assertThat(report.unknown()).containsExactly("id-8", "id-9");
  }

  @Test
  void check_readStall_isTheLongestGapWhileSomethingWasPending() {
    // given: reads at 1 s and 2 s; then nothing pending until id-3 is produced at 10 s and read at
    // 14 s (4 s); then id-4 produced at 15 s, read at 22 s (7 s, the longest)
    var history =
        History.of(
            produced("id-1", "k", 0),
            produced("id-2", "k", 0),
            read("id-1", "k", 0, 0, "c1", 1),
            read("id-2", "k", 0, 1, "c1", 2),
            produced("id-3", "k", 10),
            read("id-3", "k", 0, 2, "c1", 14),
            produced("id-4", "k", 15),
            read("id-4", "k", 0, 3, "c1", 22),
            read("id-4", "k", 0, 3, "c2", 40));

    // when
    var report = HistoryChecker.check(history);

    // then: the idle time between 2 s and 10 s and the redelivery at 40 s are no stall
    assertThat(report.longestReadStall()).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void check_readStall_countsFromTheFirstProductionToTheFirstRead() {
    // given
    var history =
        History.of(
            produced("id-1", "k", 1),
            produced("id-2", "k", 2),
            read("id-1", "k", 0, 0, "c1", 6),
            read("id-2", "k", 0, 1, "c1", 6.5));

    // when
    var report = HistoryChecker.check(history);

    // then
    assertThat(report.longestReadStall()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void check_ackStall_includesFailuresAsOutcomes() {
    // given: acks at 1 s, a broker outage, failures at 9 s, an ack at 10 s
    var history =
        History.of(
            produced("id-1", "k", 0),
            produced("id-2", "k", 0.5),
            produced("id-3", "k", 2),
            acked("id-1", 0, 0, 1),
            new Failed("id-2", "SEND_FAILED", at(9)),
            acked("id-3", 0, 1, 10));

    // when
    var report = HistoryChecker.check(history);

    // then
    assertThat(report.longestAckStall()).isEqualTo(Duration.ofSeconds(8));
  }

  @Test
  void markdownRow_showsTheCountsAndSeconds() {
    // given
    var report =
        HistoryChecker.check(
            History.of(
                produced("id-1", "k", 0),
                acked("id-1", 0, 0, 0.5),
                read("id-1", "k", 0, 0, "c1", 1.25)));

    // when
    var row = report.markdownRow("S0 nothing", Duration.ofMillis(3400));

    // then
    assertThat(Report.markdownHeader()).startsWith("| scenario | records |");
    assertThat(row)
        .isEqualTo(
            "| S0 nothing | 1 | 1 | 0 | 0 | 0 / 0 | 0 | 1.3 s / 0.5 s | 3.4 s |%n".formatted());
  }

  @Test
  void recorder_stampsEntriesWithTheTimeSinceItsStart() {
    // given: a clock at 100 s that moves 1.5 s per reading after the start
    var clock = new AtomicLong(100_000_000_000L);
    var recorder = new History.Recorder(() -> clock.getAndAdd(1_500_000_000L));

    // when
    recorder.produced("id-1", "k", 2);
    recorder.note("restart");

    // then
    assertThat(recorder.history().entries())
        .containsExactly(
            new Produced("id-1", "k", 2, Duration.ofMillis(1500)),
            new Note("restart", Duration.ofMillis(3000)));
  }
}
