package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code gregor broker} as a user runs it: a separate process, read through its output. */
class BrokerCommandIT {
  private static final Duration START = Duration.ofSeconds(90);
  private static final Duration STOP = Duration.ofSeconds(30);
  private static final int SIGTERM_EXIT = 128 + 15;

  @TempDir Path tmp;

  @Test
  void broker_printsItsAddress_acceptsARecord_andStopsCleanlyOnSigterm() throws Exception {
    // given
    try (var gregor = GregorProcess.start(tmp, "broker", "--port", "0")) {
      // when
      var address = gregor.awaitFirstLine(START);
      // then
      assertThat(address).matches("127\\.0\\.0\\.1:\\d+");
      var ack = send(address, "cli-records", "hello");
      assertThat(ack.offset()).isZero();
      assertThat(read(address, "cli-records", 1)).containsExactly("hello");
      assertThat(gregorTempDirs()).hasSize(1);

      // when
      gregor.terminate();

      // then
      assertThat(gregor.awaitExit(STOP)).isEqualTo(SIGTERM_EXIT);
      assertThat(gregor.stdout()).containsExactly(address);
      assertThat(String.join("\n", gregor.stderr())).contains("Stop with Ctrl-C");
      assertThat(errorLines(gregor.stderr())).as("errors and exceptions on stderr").isEmpty();
      assertThat(gregor.stderr())
          .as("JVM warnings (the jar enables native access, as ./gregor does)")
          .noneMatch(line -> line.startsWith("WARNING:"));
      assertThat(gregorTempDirs()).as("temporary data deleted").isEmpty();
    }
  }

  /**
   * Lines that report an error or an exception, but for Kafka's controller saying its event queue
   * is overloaded: on a starved machine (seen at a load of 15 on 2 cores) it logs that at ERROR
   * when a heartbeat waited too long, which says nothing about the command.
   */
  private static List<String> errorLines(List<String> lines) {
    return lines.stream()
        .filter(line -> line.contains("ERROR") || line.contains("Exception"))
        .filter(line -> !line.contains("controller event queue overloaded"))
        .toList();
  }

  @Test
  void broker_stoppedWhileStarting_stopsCleanly_andLeavesNoData() throws Exception {
    // given
    try (var gregor = GregorProcess.start(tmp, "broker", "--port", "0")) {
      Awaitility.await().atMost(START).until(() -> !gregorTempDirs().isEmpty());
      // when: most likely before the broker is up
      gregor.terminate();
      // then
      assertThat(gregor.awaitExit(STOP)).isEqualTo(SIGTERM_EXIT);
      assertThat(String.join("\n", gregor.stderr())).doesNotContain("\tat ");
      assertThat(gregorTempDirs()).isEmpty();
    }
  }

  @Test
  void broker_withADataDir_keepsRecordsAcrossRestarts() throws Exception {
    // given
    var dataDir = tmp.resolve("kafka-data");
    try (var first =
        GregorProcess.start(tmp, "broker", "--port", "0", "--data-dir", dataDir.toString())) {
      send(first.awaitFirstLine(START), "kept", "before restart");
      first.terminate();
      assertThat(first.awaitExit(STOP)).isEqualTo(SIGTERM_EXIT);
    }
    assertThat(dataDir).isNotEmptyDirectory();
    // when
    try (var second =
        GregorProcess.start(tmp, "broker", "--port", "0", "--data-dir", dataDir.toString())) {
      // then
      assertThat(read(second.awaitFirstLine(START), "kept", 1)).containsExactly("before restart");
      second.terminate();
      assertThat(second.awaitExit(STOP)).isEqualTo(SIGTERM_EXIT);
    }
    assertThat(dataDir).isNotEmptyDirectory();
  }

  @Test
  void broker_withSeveralBrokers_printsEveryAddress_andAutoCreatesWithThePartitionsAsked()
      throws Exception {
    try (var gregor =
        GregorProcess.start(tmp, "broker", "--port", "0", "--brokers", "2", "--partitions", "3")) {
      // when
      var addresses = gregor.awaitFirstLine(START);
      // then
      assertThat(addresses).matches("127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+");
      send(addresses, "auto-created", "x");
      try (var admin =
          Admin.create(
              Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, addresses))) {
        var topic =
            admin.describeTopics(Set.of("auto-created")).allTopicNames().get().get("auto-created");
        assertThat(topic.partitions()).hasSize(3);
        assertThat(topic.partitions().getFirst().replicas()).hasSize(2);
      }
      gregor.terminate();
      assertThat(gregor.awaitExit(STOP)).isEqualTo(SIGTERM_EXIT);
    }
  }

  @Test
  void broker_onATakenPort_failsWithOneLineNamingThePort() throws Exception {
    try (var taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      // when
      var gregor = GregorProcess.run(tmp, "broker", "--port", Integer.toString(port));
      // then
      assertThat(gregor.exitCode()).isEqualTo(1);
      assertThat(gregor.stdout()).isEmpty();
      assertThat(gregor.stderr())
          .containsExactly(
              "gregor broker: port "
                  + port
                  + " is already in use on 127.0.0.1; choose another port");
    }
  }

  @Test
  void broker_onADataDirThatIsNotWritable_failsWithAClearError() throws Exception {
    // given: a path below a regular file cannot be a directory, whoever runs the test
    var file = Files.writeString(tmp.resolve("a-file"), "not a directory");
    var dataDir = file.resolve("data");
    // when
    var gregor = GregorProcess.run(tmp, "broker", "--port", "0", "--data-dir", dataDir.toString());
    // then
    assertThat(gregor.exitCode()).isEqualTo(1);
    assertThat(gregor.stderr()).hasSize(1);
    assertThat(gregor.stderr().getFirst())
        .startsWith("gregor broker: data directory " + dataDir + " is not writable");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "broker --brokers 0",
        "broker --port abc",
        "broker --port 70000",
        "broker --partitions 0",
        "broker --bogus",
        "nonsense",
        ""
      })
  void badUsage_printsTheUsage_andExitsWith2(String args) throws Exception {
    // when
    var gregor = GregorProcess.run(tmp, args.isEmpty() ? new String[0] : args.split(" "));
    // then
    assertThat(gregor.exitCode()).isEqualTo(2);
    assertThat(gregor.stdout()).isEmpty();
    assertThat(String.join("\n", gregor.stderr()))
        .contains("Usage: gregor")
        .doesNotContain("\tat ");
  }

  private List<Path> gregorTempDirs() throws Exception {
    try (var entries = Files.list(tmp)) {
      return entries.filter(p -> p.getFileName().toString().startsWith("gregor-kafka-")).toList();
    }
  }

  private static RecordMetadata send(String bootstrap, String topic, String value)
      throws Exception {
    try (var producer =
        new KafkaProducer<>(
            Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new StringSerializer())) {
      return producer.send(new ProducerRecord<>(topic, value)).get(60, TimeUnit.SECONDS);
    }
  }

  private static List<String> read(String bootstrap, String topic, int count) {
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG,
                topic + "-reader",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      var values = new ArrayList<String>();
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(1))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                return values.size() >= count;
              });
      return values;
    }
  }
}
