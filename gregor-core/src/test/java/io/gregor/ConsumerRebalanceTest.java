package io.gregor;

import static io.gregor.ConsumerTesting.PATIENCE;
import static io.gregor.ConsumerTesting.produce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.softwaremill.jox.Select;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two consumers in one group: partitions move from the first to the second, each says so with
 * rebalance events, and between them they receive every record. With both group protocols: the
 * classic one (eager here: everything is revoked, then reassigned) and KIP-848's consumer protocol
 * (incremental: only what moves is revoked).
 */
@ExtendWith(KafkaExtension.class)
@Timeout(90)
class ConsumerRebalanceTest {
  private static final int PARTITIONS = 4;
  private static final int BEFORE = 2_000;
  private static final int AFTER = 2_000;

  /** An event and which consumer it came from. */
  private record Seen(String consumer, Event<Received<String, String>> event) {}

  @ParameterizedTest
  @ValueSource(strings = {"classic", "consumer"})
  void secondConsumerJoining_movesPartitions_withRebalanceEvents_andNoRecordIsLost(
      String groupProtocol, EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: a first consumer reading a backlog
    kafka.createTopic(names.topic(), PARTITIONS);
    var settings =
        ConsumerTesting.stringSettings(kafka, names)
            .withOutputBufferSize(100)
            .withKafka("max.poll.records", 100)
            .withKafka("group.protocol", groupProtocol)
            .withTopics(names.topic());
    if (groupProtocol.equals("classic")) {
      // members learn of a rebalance by heartbeat: sooner than the default 3 s
      settings = settings.withKafka("heartbeat.interval.ms", 500);
    }
    Set<String> values = new HashSet<>();
    List<Seen> rebalances = new ArrayList<>();
    produceBatch(kafka, names, 0, BEFORE);
    try (var first = Consumer.create(settings)) {
      readUntil(first, null, values, rebalances, () -> values.size() >= BEFORE / 4);

      // when: a second joins, and more records come
      try (var second = Consumer.create(settings)) {
        readUntil(first, second, values, rebalances, () -> assigned(rebalances, "second"));
        produceBatch(kafka, names, BEFORE, AFTER);
        readUntil(first, second, values, rebalances, () -> values.size() == BEFORE + AFTER);

        // then: partitions moved, with notices on both sides
        Set<TopicPartition> firstHas = first.assignment();
        Set<TopicPartition> secondHas = second.assignment();
        assertThat(firstHas).isNotEmpty().doesNotContainAnyElementsOf(secondHas);
        assertThat(secondHas).isNotEmpty();
        assertThat(union(firstHas, secondHas)).hasSize(PARTITIONS);
        assertThat(rebalances)
            .anySatisfy(seen -> assertRebalance(seen, "first", RebalanceKind.REVOKED));
        assertThat(
                rebalances.stream()
                    .filter(seen -> seen.consumer().equals("second"))
                    .map(seen -> ((Event.Rebalance<?>) seen.event()).partitions())
                    .reduce(Set.of(), ConsumerRebalanceTest::union))
            .containsAll(secondHas);
      }
    }
    // and no record was lost across the rebalance (duplicates are allowed)
    assertThat(values).hasSize(BEFORE + AFTER);
  }

  @Test
  void revoke_commitsWhatTheReaderTook_notWhatWaitsInTheOutput(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: a first consumer whose reader took 3 records and stopped, more waiting in its output
    kafka.createTopic(names.topic(), 1);
    ConsumerTesting.produceStrings(kafka, names.topic(), 0, 100);
    var zero = new TopicPartition(names.topic(), 0);
    var settings =
        ConsumerTesting.stringSettings(kafka, names)
            .withOutputBufferSize(10)
            .withKafka("group.protocol", "classic") // eager: a join revokes every partition
            .withKafka("heartbeat.interval.ms", 500)
            .withKafka("auto.commit.interval.ms", 600_000) // only the revocation commits
            .withTopics(names.topic());
    try (var first = Consumer.create(settings);
        var admin = ConsumerCommitTest.admin(kafka)) {
      assertThat(ConsumerTesting.data(first.output(), 3)).hasSize(3);

      // when: a second consumer joins, which revokes the first's partition
      try (var second = Consumer.create(settings)) {
        assertThat(second.subscriptions()).containsExactly(names.topic());

        // then: the revocation committed exactly what the first's reader took
        await()
            .atMost(PATIENCE)
            .until(() -> ConsumerCommitTest.committedOffset(admin, names.group(), zero) != null);
        assertThat(ConsumerCommitTest.committedOffset(admin, names.group(), zero)).isEqualTo(3L);
      }
    }
  }

  private static boolean assigned(List<Seen> rebalances, String consumer) {
    return rebalances.stream()
        .anyMatch(
            seen ->
                seen.consumer().equals(consumer)
                    && seen.event() instanceof Event.Rebalance<?> r
                    && r.kind() == RebalanceKind.ASSIGNED);
  }

  private static void assertRebalance(Seen seen, String consumer, RebalanceKind kind) {
    assertThat(seen.consumer()).isEqualTo(consumer);
    assertThat(((Event.Rebalance<?>) seen.event()).kind()).isEqualTo(kind);
  }

  private static <T> Set<T> union(Set<T> a, Set<T> b) {
    Set<T> all = new HashSet<>(a);
    all.addAll(b);
    return all;
  }

  private static void produceBatch(EmbeddedKafka kafka, TestNames names, int from, int count) {
    List<ProducerRecord<String, String>> records = new ArrayList<>(count);
    for (int i = from; i < from + count; i++) {
      records.add(new ProducerRecord<>(names.topic(), i % PARTITIONS, "k", "value-" + i));
    }
    produce(kafka, new StringSerializer(), new StringSerializer(), records);
  }

  /** Reads from one or both consumers (with select) until {@code done} holds. */
  private static void readUntil(
      Consumer<String, String, Received<String, String>> first,
      Consumer<String, String, Received<String, String>> second,
      Set<String> values,
      List<Seen> rebalances,
      BooleanSupplier done)
      throws InterruptedException {
    while (!done.getAsBoolean()) {
      Seen seen;
      try {
        seen =
            second == null
                ? Select.selectWithin(
                    PATIENCE, first.output().receiveClause(event -> new Seen("first", event)))
                : Select.selectWithin(
                    PATIENCE,
                    first.output().receiveClause(event -> new Seen("first", event)),
                    second.output().receiveClause(event -> new Seen("second", event)));
      } catch (TimeoutException e) {
        fail("no event within %s; %d values so far", PATIENCE, values.size());
        return;
      }
      switch (seen.event()) {
        case Event.Data<Received<String, String>>(var record) -> values.add(record.value());
        case Event.Rebalance<Received<String, String>> rebalance -> rebalances.add(seen);
        case Event.Error<Received<String, String>>(var failure) ->
            fail("unexpected error from %s: %s", seen.consumer(), failure);
        case Event<Received<String, String>> other -> {}
      }
    }
  }
}
