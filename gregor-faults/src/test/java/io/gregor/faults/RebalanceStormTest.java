package io.gregor.faults;

import static io.gregor.faults.FaultProfile.pick;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.ConsumerSettings;
import io.gregor.ErrorKind;
import io.gregor.Event;
import io.gregor.Failure;
import io.gregor.Received;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import io.gregor.faults.Entry.Consumed;
import java.time.Duration;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * S4: four Gregor consumers share an 8-partition topic while a producer writes keyed ids, and every
 * second a consumer joins the group or leaves it (a fifth joins, the oldest leaves, and so on), for
 * 20 s ({@code -Pfaults-long}: 2 minutes; any length with {@code
 * -Dgregor.faults.storm.seconds=300}). Run with the classic protocol and with the consumer protocol
 * of KIP-848, which Kafka 4.4's broker enables by default.
 *
 * <p>Nothing is lost; no read stalls for longer than the session timeout (10 s here, for both
 * protocols: the classic client's {@code session.timeout.ms}, the broker's {@code
 * group.consumer.session.timeout.ms} for KIP-848), neither overall nor on any one partition ({@link
 * PartitionStalls}); within each consumer session each key's ids come in production order. Records
 * are read twice only at hand-overs: Gregor commits what the reader has taken when partitions are
 * revoked and when a consumer closes, but events already in a consumer's output buffer are still
 * delivered to it and not committed, so the partition's next owner reads them again. Such reads sit
 * at the end of the old owner's stretch of the partition and at the start of the new owner's
 * ({@link Redeliveries}); a redelivery anywhere else fails the test.
 */
@Timeout(900)
class RebalanceStormTest {
  private static final int PARTITIONS = 8;
  private static final int KEYS = 50;
  private static final int MEMBERS = 4;
  private static final Duration STORM =
      Duration.ofSeconds(Long.getLong("gregor.faults.storm.seconds", pick(20L, 120L)));
  private static final int PER_SECOND = pick(400, 500);

  /** The producer writes through the storm and a few seconds more. */
  private static final int RECORDS = (int) (PER_SECOND * (STORM.toSeconds() + 4));

  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration PATIENCE = pick(Duration.ofSeconds(90), Duration.ofSeconds(240));

  @ParameterizedTest(name = "group.protocol={0}")
  @ValueSource(strings = {"classic", "consumer"})
  void rebalanceStorm_losesNothing_neverStallsForASessionTimeout_andRereadsOnlyAtHandOvers(
      String protocol) throws Exception {
    var names = TestNames.unique("S4-storm-" + protocol);
    try (var kafka =
            EmbeddedKafka.builder()
                .brokerConfig(
                    "group.consumer.session.timeout.ms", Long.toString(SESSION_TIMEOUT.toMillis()))
                .brokerConfig("group.consumer.min.session.timeout.ms", "6000")
                .start();
        var run = ScenarioRun.start("S4 rebalance storm, " + protocol + " protocol");
        var admin = admin(kafka.bootstrapServers())) {
      // given: four consumers sharing the topic, a producer writing steadily
      kafka.createTopic(names.topic(), PARTITIONS);
      run.note(
          "the broker's group.coordinator.rebalance.protocols: "
              + brokerConfig(admin, "group.coordinator.rebalance.protocols"));
      var bootstrap = kafka.bootstrapServers();
      var settings = consumerSettings(bootstrap, names.group(), names.topic(), protocol);
      try (var producer =
              new ProducerDriver("producer", ScenarioClients.producer(bootstrap), run.recorder());
          var members = new Members(settings, run)) {
        for (int i = 0; i < MEMBERS; i++) {
          members.join();
        }
        // The group forms before the producer starts, so that stalls are the storm's, not those
        // of a group forming (under KIP-848 that took 11.6 s once on this machine: one member is
        // assigned everything, gives half back, and the others learn of theirs at their next
        // heartbeat, 5 s apart by default).
        Waits.until(
            "the " + MEMBERS + " consumers share the " + PARTITIONS + " partitions",
            PATIENCE,
            () -> members.formed(PARTITIONS));
        run.note("the group has formed");
        producer.send(names.topic(), 0, RECORDS, KEYS, PER_SECOND);

        // when: every second a consumer joins or the oldest leaves
        Duration start = run.recorder().now();
        long changes = STORM.toSeconds();
        for (long second = 1; second <= changes; second++) {
          boolean join = second % 2 == 1;
          run.at(
              start.plusSeconds(second),
              join ? "a consumer joins" : "the oldest consumer leaves",
              join ? members::join : () -> members.leave(PATIENCE));
        }
        run.awaitFaults(STORM.plus(PATIENCE));
        producer.awaitSent(PATIENCE);
        producer.awaitOutcomes(PATIENCE);
        var acknowledged = producer.acknowledged();
        boolean readAll = Waits.within(PATIENCE, () -> members.haveRead(acknowledged));
        run.note("the consumers read every acknowledged id: " + readAll);
        GroupType type =
            admin
                .describeConsumerGroups(List.of(names.group()))
                .describedGroups()
                .get(names.group())
                .get(30, TimeUnit.SECONDS)
                .type();
        run.note("the group's type: " + type);
        members.leaveAll(PATIENCE);

        assertThat(type.toString()).as("the group's protocol").isEqualToIgnoringCase(protocol);
        assertThat(producer.failures()).as("messages not sent").isEmpty();
        assertThat(producer.unattributed()).as("producer errors naming no message").isEmpty();
        assertThat(members.errors())
            .as("consumer errors")
            .extracting(Failure::kind)
            .doesNotContain(ErrorKind.FATAL);
        members.summarize();
      }

      // then
      var reads = run.recorder().history().all(Consumed.class);
      var redelivered = new HashSet<String>();
      var seen = new HashSet<String>();
      reads.forEach(
          read -> {
            if (!seen.add(read.id())) {
              redelivered.add(read.id());
            }
          });
      var placement = Redeliveries.place(reads, redelivered);
      run.note(
          "read twice: %d ids in %d reads; %d at the end of a stretch (%d hand-overs), %d at the start, %d elsewhere"
              .formatted(
                  redelivered.size(),
                  reads.size() - seen.size(),
                  placement.tails().size(),
                  placement.handOversWithTail(),
                  placement.heads().size(),
                  placement.inside().size()));
      var stalls = PartitionStalls.of(run.recorder().history());
      run.note("the longest read stall of each partition: " + stalls);
      var report = run.finish();
      assertThat(report.lost()).as("lost: %s", report).isEmpty();
      assertThat(report.acknowledged()).as("acknowledged: %s", report).isEqualTo(RECORDS);
      assertThat(report.outOfOrder()).as("out of order: %s", report).isEmpty();
      assertThat(report.longestReadStall())
          .as("the longest read stall (session timeout %s): %s", SESSION_TIMEOUT, report)
          .isLessThan(SESSION_TIMEOUT);
      assertThat(PartitionStalls.longest(stalls))
          .as(
              "the longest read stall of a partition (session timeout %s): %s",
              SESSION_TIMEOUT, stalls)
          .isLessThan(SESSION_TIMEOUT);
      assertThat(placement.inside())
          .as("reads of redelivered ids that are not at a hand-over")
          .isEmpty();
    }
  }

  private static ConsumerSettings<String, String, Received<String, String>> consumerSettings(
      String bootstrap, String group, String topic, String protocol) {
    var settings =
        ScenarioClients.consumer(bootstrap, group, topic).withKafka("group.protocol", protocol);
    if (protocol.equals("classic")) {
      // KIP-848's consumer refuses these: the broker sets its session timeout and heartbeats.
      settings =
          settings
              .withKafka("session.timeout.ms", (int) SESSION_TIMEOUT.toMillis())
              .withKafka("heartbeat.interval.ms", 1_000);
    }
    return settings;
  }

  /** The consumers of the group: those that joined, oldest first, and those that left. */
  private static final class Members implements AutoCloseable {
    private final ConsumerSettings<String, String, Received<String, String>> settings;
    private final ScenarioRun run;
    private final Deque<ConsumerDriver> live = new ConcurrentLinkedDeque<>();
    private final List<ConsumerDriver> all = new CopyOnWriteArrayList<>();
    private final AtomicInteger joined = new AtomicInteger();
    private final AtomicInteger left = new AtomicInteger();

    Members(ConsumerSettings<String, String, Received<String, String>> settings, ScenarioRun run) {
      this.settings = settings;
      this.run = run;
    }

    void join() {
      var member = new ConsumerDriver("c-" + (joined.incrementAndGet()), settings, run.recorder());
      all.add(member);
      live.addLast(member);
      run.note("c-" + joined.get() + " joins; " + live.size() + " in the group");
    }

    void leave(Duration bound) throws InterruptedException {
      ConsumerDriver oldest = live.pollFirst();
      if (oldest == null) {
        throw new IllegalStateException("no consumer to leave the group");
      }
      oldest.close(bound);
      left.incrementAndGet();
      run.note("the oldest consumer left; " + live.size() + " in the group");
    }

    void leaveAll(Duration bound) throws InterruptedException {
      while (!live.isEmpty()) {
        leave(bound);
      }
    }

    /**
     * Whether every member in the group owns partitions, and together all {@code partitions}, as
     * far as their readers have seen rebalance events.
     */
    boolean formed(int partitions) {
      Set<TopicPartition> owned = new HashSet<>();
      for (ConsumerDriver member : live) {
        Set<TopicPartition> own = new HashSet<>();
        for (Event.Rebalance<?> rebalance : member.rebalances()) {
          switch (rebalance.kind()) {
            case ASSIGNED -> own.addAll(rebalance.partitions());
            case REVOKED, LOST -> own.removeAll(rebalance.partitions());
          }
        }
        if (own.isEmpty()) {
          return false;
        }
        owned.addAll(own);
      }
      return owned.size() == partitions;
    }

    boolean haveRead(Collection<String> ids) {
      return ids.stream()
          .allMatch(id -> all.stream().anyMatch(member -> member.hasRead(List.of(id))));
    }

    List<Failure> errors() {
      return all.stream().flatMap(member -> member.errors().stream()).toList();
    }

    /** Notes the joins, leaves, rebalance events and errors of the run. */
    void summarize() {
      Map<String, Long> rebalances =
          all.stream()
              .flatMap(member -> member.rebalances().stream())
              .collect(
                  Collectors.groupingBy(
                      (Event.Rebalance<?> r) -> r.kind().toString().toLowerCase(Locale.ROOT),
                      Collectors.counting()));
      Map<ErrorKind, Long> errors =
          errors().stream().collect(Collectors.groupingBy(Failure::kind, Collectors.counting()));
      run.note(
          "%d joined, %d left; rebalance events %s; errors %s"
              .formatted(joined.get(), left.get(), rebalances, errors));
    }

    @Override
    public void close() {
      all.forEach(ConsumerDriver::close);
    }
  }

  private static Admin admin(String bootstrap) {
    return Admin.create(
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
  }

  /** A broker setting, as the broker reports it. */
  private static String brokerConfig(Admin admin, String name) throws Exception {
    var node = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next();
    var broker = new ConfigResource(ConfigResource.Type.BROKER, node.idString());
    Config config =
        admin.describeConfigs(List.of(broker)).all().get(30, TimeUnit.SECONDS).get(broker);
    var entry = config.get(name);
    return entry == null ? "(not reported)" : entry.value();
  }
}
