package io.gregor.faults;

import static io.gregor.faults.FaultProfile.pick;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import io.gregor.faults.Entry.Consumed;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * S3: a consumer in its own JVM is killed with SIGKILL mid-stream and a new one takes its place in
 * the group. Automatic commits are on (Gregor commits what the reader has taken, every {@code
 * auto.commit.interval.ms}); the killed consumer commits nothing more, does not leave the group,
 * and its records in flight are gone with it.
 *
 * <p>The bound: the second consumer starts from the offsets the group had committed when the first
 * died, so the records read twice are exactly those the first read at or after the committed offset
 * of their partition (received after its last commit), and nothing before that offset is read
 * again. Nothing is lost. The committed offsets are read with an Admin client once the killed JVM
 * is gone.
 *
 * <p>The group uses the classic protocol (the client's default) with {@code session.timeout.ms} at
 * 6 s, the broker's minimum: the dead member holds its partitions until its session expires, and
 * the default 45 s would make the run long.
 */
@Timeout(900)
class ConsumerKilledMidStreamTest {
  private static final int PARTITIONS = 6;
  private static final int KEYS = 50;
  private static final int PER_SECOND = pick(400, 1_000);
  private static final int RECORDS = pick(8_000, 60_000);
  private static final Duration AUTO_COMMIT = pick(Duration.ofSeconds(2), Duration.ofSeconds(5));
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);

  /** The first child is killed once it has read this many records and committed some. */
  private static final int KILL_AFTER = RECORDS / 4;

  private static final Duration PATIENCE = pick(Duration.ofSeconds(90), Duration.ofSeconds(240));

  @Test
  void consumerKilled_anotherRereadsOnlyWhatWasReceivedAfterTheLastCommit_andNothingIsLost()
      throws Exception {
    var names = TestNames.unique("S3-consumer-killed");
    var committedAtKill = new HashMap<TopicPartition, Long>();
    try (var kafka = EmbeddedKafka.start();
        var run = ScenarioRun.start("S3 consumer killed mid-stream");
        var admin = ReadsAcrossKill.admin(kafka.bootstrapServers())) {
      // given: a producer writing steadily, a consumer in a child JVM reading
      kafka.createTopic(names.topic(), PARTITIONS);
      var bootstrap = kafka.bootstrapServers();
      List<String> childArgs =
          List.of(
              bootstrap,
              names.group(),
              names.topic(),
              Long.toString(AUTO_COMMIT.toMillis()),
              Long.toString(SESSION_TIMEOUT.toMillis()));
      try (var producer =
              new ProducerDriver("producer", ScenarioClients.producer(bootstrap), run.recorder());
          var first = ConsumerProcess.start("child-1", run.recorder(), logFile(1), childArgs)) {
        first.awaitAssigned(PATIENCE); // a JVM starting on a busy machine may take a while
        producer.send(names.topic(), 0, RECORDS, KEYS, PER_SECOND);

        // when: it has read some and committed some, it is killed
        Waits.until(
            "child-1 reads " + KILL_AFTER + " records and the group commits offsets",
            PATIENCE,
            () ->
                first.read() >= KILL_AFTER
                    && !ReadsAcrossKill.committed(admin, names.group()).isEmpty());
        run.note("kill child-1 (SIGKILL) after " + first.read() + " records read");
        first.kill(PATIENCE);
        committedAtKill.putAll(ReadsAcrossKill.committed(admin, names.group()));
        run.note("committed offsets once child-1 is gone: " + committedAtKill);

        // and a new consumer joins the group and reads to the end
        try (var second = ConsumerProcess.start("child-2", run.recorder(), logFile(2), childArgs)) {
          producer.awaitSent(PATIENCE);
          producer.awaitOutcomes(PATIENCE);
          var acknowledged = producer.acknowledged();
          boolean readAll =
              Waits.within(
                  PATIENCE,
                  () ->
                      acknowledged.stream()
                          .allMatch(id -> first.hasRead(id) || second.hasRead(id)));
          run.note("the children read every acknowledged id: " + readAll);
          second.closeGracefully(PATIENCE);
          assertThat(first.errors()).as("child-1's errors").isEmpty();
          assertThat(second.errors()).as("child-2's errors").isEmpty();
        }
        producer.close(PATIENCE);
        assertThat(producer.failures()).as("messages not sent").isEmpty();
        assertThat(producer.unattributed()).as("producer errors naming no message").isEmpty();
      }

      // then: nothing is lost, and the duplicates are exactly child-1's reads after the last commit
      var reads =
          new ReadsAcrossKill(run.recorder().history().all(Consumed.class), committedAtKill);
      run.note(
          "child-1 read "
              + reads.first().size()
              + " records, "
              + reads.uncommitted().size()
              + " of them at or after the committed offsets (the bound on duplicates)");
      run.note(
          "the longest read stall of each partition: "
              + PartitionStalls.of(run.recorder().history()));
      var report = run.finish();
      assertThat(report.lost()).as("lost: %s", report).isEmpty();
      assertThat(report.acknowledged()).as("acknowledged: %s", report).isEqualTo(RECORDS);
      assertThat(report.outOfOrder()).as("out of order: %s", report).isEmpty();
      assertThat(committedAtKill).as("offsets committed before the kill").isNotEmpty();
      assertThat(reads.secondBelowCommitted())
          .as("child-2's reads below the offsets committed at the kill")
          .isEmpty();
      assertThat(report.redelivered())
          .as(
              "read twice (at most the %d child-1 read after the committed offsets): %s",
              reads.uncommitted().size(), report)
          .allMatch(reads.uncommitted()::contains)
          .hasSizeLessThanOrEqualTo(reads.uncommitted().size());
      assertThat(reads.uncommitted())
          .as("child-1's reads after the committed offsets: all read again by child-2")
          .allMatch(report.redelivered()::contains);
    }
  }

  private static Path logFile(int child) {
    return ResultsFile.table()
        .toAbsolutePath()
        .getParent()
        .resolve(FaultProfile.name() + "-s3-child-" + child + ".log");
  }
}
