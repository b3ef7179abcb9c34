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
 * S3 with {@code Consumer.process}: a consumer in its own JVM ({@link ProcessingConsumerMain})
 * handles records with KEY ordering, 1 ms each, committing after acknowledgement, and is killed
 * with SIGKILL mid-run; a new one takes its place in the group (issue 12, part 4: "after a SIGKILL
 * mid-run and a restart: 0 lost, and duplicates only among records that were in flight").
 *
 * <p>The bound: a commit never passes an unacknowledged record, so the second consumer starts at
 * offsets below which child-1 had handled (and acknowledged) everything. The records handled twice
 * are therefore only records child-1 handled at or after those offsets: in flight at the kill,
 * either unacknowledged (at most {@code maxUnacknowledged}, {@value #MAX_UNACKNOWLEDGED} here,
 * since the consumer stops fetching there) or acknowledged after the last commit (commits go out
 * every {@value #COMMIT_EVERY} acknowledgements and every {@code auto.commit.interval.ms}). Nothing
 * below them is handled again, and nothing is lost.
 */
@Timeout(300)
class ProcessingConsumerKilledTest {
  private static final int PARTITIONS = 6;
  private static final int KEYS = 50;
  private static final int RECORDS = pick(20_000, 100_000);
  private static final int PER_SECOND = pick(10_000, 20_000);
  private static final int MAX_UNACKNOWLEDGED = 1_000;
  private static final int COMMIT_EVERY = 100;
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);

  /** The first child is killed once it has handled this many records and committed some. */
  private static final int KILL_AFTER = RECORDS / 4;

  private static final Duration PATIENCE = Duration.ofSeconds(90);

  @Test
  void processingConsumerKilled_anotherHandlesAgainOnlyWhatWasInFlight_andNothingIsLost()
      throws Exception {
    var names = TestNames.unique("S3p-processing-consumer-killed");
    var committedAtKill = new HashMap<TopicPartition, Long>();
    try (var kafka = EmbeddedKafka.start();
        var run = ScenarioRun.start("S3p processing consumer killed mid-run");
        var admin = ReadsAcrossKill.admin(kafka.bootstrapServers())) {
      // given: a backlog being written, and a consumer in a child JVM processing it
      kafka.createTopic(names.topic(), PARTITIONS);
      var bootstrap = kafka.bootstrapServers();
      List<String> childArgs =
          List.of(
              bootstrap,
              names.group(),
              names.topic(),
              Long.toString(SESSION_TIMEOUT.toMillis()),
              Integer.toString(MAX_UNACKNOWLEDGED),
              Integer.toString(COMMIT_EVERY),
              Integer.toString(KEYS)); // as many handlers at once as keys
      try (var producer =
              new ProducerDriver("producer", ScenarioClients.producer(bootstrap), run.recorder());
          var first = child(1, run, childArgs)) {
        first.awaitAssigned(PATIENCE);
        producer.send(names.topic(), 0, RECORDS, KEYS, PER_SECOND);

        // when: it has handled some and committed some, it is killed
        Waits.until(
            "child-1 handles " + KILL_AFTER + " records and the group commits offsets",
            PATIENCE,
            () ->
                first.read() >= KILL_AFTER
                    && !ReadsAcrossKill.committed(admin, names.group()).isEmpty());
        run.note("kill child-1 (SIGKILL) after " + first.read() + " records handled");
        first.kill(PATIENCE);
        committedAtKill.putAll(ReadsAcrossKill.committed(admin, names.group()));
        run.note("committed offsets once child-1 is gone: " + committedAtKill);

        // and a new consumer joins the group and handles the rest
        try (var second = child(2, run, childArgs)) {
          producer.awaitSent(PATIENCE);
          producer.awaitOutcomes(PATIENCE);
          var acknowledged = producer.acknowledged();
          boolean handledAll =
              Waits.within(
                  PATIENCE,
                  () ->
                      acknowledged.stream()
                          .allMatch(id -> first.hasRead(id) || second.hasRead(id)));
          run.note("the children handled every acknowledged id: " + handledAll);
          second.closeGracefully(PATIENCE);
          assertThat(first.errors()).as("child-1's errors").isEmpty();
          assertThat(second.errors()).as("child-2's errors").isEmpty();
        }
        producer.close(PATIENCE);
        assertThat(producer.failures()).as("messages not sent").isEmpty();
      }

      // then: nothing is lost, and the duplicates are only records in flight at the kill
      var reads =
          new ReadsAcrossKill(run.recorder().history().all(Consumed.class), committedAtKill);
      var inFlight = reads.uncommitted();
      run.note(
          "child-1 handled "
              + reads.first().size()
              + " records, "
              + inFlight.size()
              + " of them at or after the committed offsets (in flight at the kill)");
      var report = run.finish();
      assertThat(report.lost()).as("lost: %s", report).isEmpty();
      assertThat(report.acknowledged()).as("acknowledged: %s", report).isEqualTo(RECORDS);
      assertThat(report.outOfOrder()).as("out of order: %s", report).isEmpty();
      assertThat(committedAtKill).as("offsets committed before the kill").isNotEmpty();
      assertThat(reads.secondBelowCommitted())
          .as("child-2's handling of records below the offsets committed at the kill")
          .isEmpty();
      assertThat(report.redelivered())
          .as(
              "handled twice (only among the %d in flight at the kill): %s",
              inFlight.size(), report)
          .allMatch(inFlight::contains)
          .hasSizeLessThanOrEqualTo(inFlight.size());
    }
  }

  private static ConsumerProcess child(int n, ScenarioRun run, List<String> args)
      throws java.io.IOException {
    Path log =
        ResultsFile.table()
            .toAbsolutePath()
            .getParent()
            .resolve(FaultProfile.name() + "-s3p-child-" + n + ".log");
    return ConsumerProcess.start(
        "child-" + n, run.recorder(), log, ProcessingConsumerMain.class, args);
  }
}
