package io.gregor.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.Codecs;
import io.gregor.Message;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Exactly once across a crash: a JVM copying a topic with {@link io.gregor.ExactlyOnce} is killed
 * with SIGKILL in the middle of a transaction whose messages already reached the broker; a new JVM
 * with the same {@code transactional.id} and group takes over (fencing the dead one and aborting
 * its transaction). A {@code read_committed} reader of the output then sees every input exactly
 * once, although the log holds the dead transaction's messages too.
 */
@Timeout(600)
class TransactionKilledMidStreamTest {
  private static final int PARTITIONS = 3;
  private static final int RECORDS = 3_000;
  private static final String STOP_AT = "id-1500";
  private static final Duration PATIENCE = Duration.ofSeconds(120);

  @Test
  void copierKilledMidTransaction_readCommittedSeesEveryInputExactlyOnce() throws Exception {
    var names = TestNames.unique("S-eos-killed");
    String in = names.topic("in");
    String out = names.topic("out");
    try (var kafka = EmbeddedKafka.start()) {
      // given: the inputs, and a copier in a child JVM
      kafka.createTopic(in, PARTITIONS);
      kafka.createTopic(out, 1);
      List<String> inputs = IntStream.range(0, RECORDS).mapToObj(i -> "id-" + i).toList();
      try (var producer =
          Producer.create(
              ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
                  .withKafka("acks", "all"))) {
        for (String id : inputs) {
          producer.input().send(Message.of(in, id, id));
        }
      }
      List<String> args =
          List.of(kafka.bootstrapServers(), names.group(), in, out, names.topic("copier"));

      // when: it is killed with a transaction open
      try (var first = Child.start(args, STOP_AT, logFile(1))) {
        first.await("MID-TRANSACTION", PATIENCE);
        assertThat(read(kafka, out, "read_uncommitted").size())
            .as("the open transaction's messages are in the log")
            .isGreaterThan(read(kafka, out, "read_committed").size());
        first.kill();
      }

      // and another takes over
      try (var second = Child.start(args, "-", logFile(2))) {
        org.awaitility.Awaitility.await("every input copied")
            .atMost(PATIENCE)
            .pollInterval(Duration.ofMillis(500))
            .until(() -> read(kafka, out, "read_committed").size() >= RECORDS);
        second.closeGracefully();
        assertThat(second.errors()).as("the second copier's errors").isEmpty();
      }

      // then
      List<String> committed = read(kafka, out, "read_committed");
      Map<String, Long> counts =
          committed.stream()
              .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
      assertThat(counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey))
          .as("copied more than once")
          .isEmpty();
      assertThat(counts.keySet()).as("copied").containsExactlyInAnyOrderElementsOf(inputs);
      assertThat(read(kafka, out, "read_uncommitted").size())
          .as("the log, with the aborted transaction's messages")
          .isGreaterThan(RECORDS);
    }
  }

  private static Path logFile(int n) {
    return Path.of("target", "faults", "eos-killed-child-" + n + ".log");
  }

  /** The output's values, as a reader with {@code isolation} sees them now. */
  private static List<String> read(EmbeddedKafka kafka, String topic, String isolation) {
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                isolation,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false),
            new StringDeserializer(),
            new StringDeserializer())) {
      var partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      List<String> values = new ArrayList<>();
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      while (consumer.position(partition) < end) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not read " + topic + " to " + end);
        }
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
          values.add(record.value());
        }
      }
      return values;
    }
  }

  /** A {@link TransactionalCopyMain} in a child JVM, its lines collected. */
  private static final class Child implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private Child(Process process) {
      this.process = process;
      this.reader = Thread.ofVirtual().start(this::readLines);
    }

    static Child start(List<String> args, String stopAt, Path logFile) throws IOException {
      List<String> command = new ArrayList<>();
      command.add(ProcessHandle.current().info().command().orElseThrow());
      command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-cp"));
      command.add(System.getProperty("java.class.path"));
      command.add(TransactionalCopyMain.class.getName());
      command.addAll(args);
      command.add(stopAt);
      Files.createDirectories(logFile.toAbsolutePath().getParent());
      return new Child(
          new ProcessBuilder(command)
              .redirectError(ProcessBuilder.Redirect.to(logFile.toFile()))
              .start());
    }

    private void readLines() {
      try (var in =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        lines.add("READ-FAILED " + e);
      }
    }

    void await(String line, Duration bound) {
      org.awaitility.Awaitility.await("the child says " + line)
          .atMost(bound)
          .until(() -> lines.contains(line) || !process.isAlive());
      assertThat(lines).as("the child's lines").contains(line);
    }

    List<String> errors() {
      return lines.stream().filter(line -> line.startsWith("ERROR")).toList();
    }

    void kill() throws InterruptedException {
      process.destroyForcibly();
      assertThat(process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }

    void closeGracefully() throws IOException, InterruptedException {
      process.getOutputStream().close();
      assertThat(process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS))
          .as("the child exits")
          .isTrue();
      reader.join(PATIENCE);
      assertThat(lines).as("the child's lines").contains("CLOSED");
    }

    @Override
    public void close() {
      if (process.isAlive()) {
        process.destroyForcibly();
        try {
          process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      reader.interrupt();
    }
  }
}
