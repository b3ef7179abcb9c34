package io.gregor.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.EmbeddedKafkaCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code gregor broker}: a real Kafka broker (or cluster) in this process, until Ctrl-C or SIGTERM.
 *
 * <p>Prints the bootstrap address on one line to stdout as soon as clients can use it, and nothing
 * else there, so a script can read it (in bash: {@code read -r addr < <(./gregor broker --port
 * 0)}); everything else goes to stderr.
 */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    versionProvider = Gregor.Version.class,
    description = {
      "Starts a local Apache Kafka broker (KRaft) and prints its bootstrap address.",
      "Runs until Ctrl-C or SIGTERM, then stops cleanly."
    })
public final class BrokerCommand implements Callable<Integer> {
  private static final Duration START_TIMEOUT = Duration.ofMinutes(2);

  @Spec private CommandSpec spec;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "9092",
      description =
          "Port of the (first) broker; broker i of a cluster uses PORT+i. 0 picks free ports. Default: ${DEFAULT-VALUE}.")
  private int port;

  @Option(
      names = "--brokers",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Number of brokers; more than 1 adds a dedicated controller. Default: ${DEFAULT-VALUE}.")
  private int brokers;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "1",
      description = "Partitions of automatically created topics. Default: ${DEFAULT-VALUE}.")
  private int partitions;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Keep the data in DIR across restarts. Default: a temporary directory, deleted on exit.")
  private Path dataDir;

  @Option(names = "--verbose", description = "Show Kafka's INFO logs.")
  private boolean verbose;

  /** Created by picocli. */
  public BrokerCommand() {}

  @Override
  public Integer call() throws InterruptedException {
    validate();
    // The hook is in place before Kafka starts: a SIGTERM during the start still stops Kafka and
    // deletes its temporary directory, once the start has finished.
    var started = new CountDownLatch(1);
    var current = new AtomicReference<Running>();
    Runtime.getRuntime()
        .addShutdownHook(
            Thread.ofPlatform()
                .name("gregor-broker-stop")
                .unstarted(
                    () -> {
                      awaitQuietly(started);
                      var kafka = current.get();
                      if (kafka != null) {
                        if (!verbose) {
                          quietKafkaShutdown();
                        }
                        kafka.stop();
                      }
                    }));
    Running running;
    try {
      running = start();
      current.set(running);
    } finally {
      started.countDown();
    }
    var out = spec.commandLine().getOut();
    out.println(running.bootstrapServers());
    out.flush();
    var err = spec.commandLine().getErr();
    err.printf(
        "Kafka %s %s at %s; data in %s%s. Stop with Ctrl-C.%n",
        EmbeddedKafka.kafkaVersion(),
        brokers == 1 ? "broker" : "cluster of " + brokers + " brokers",
        running.bootstrapServers(),
        running.dataDir(),
        dataDir == null ? " (deleted on exit)" : "");
    err.flush();
    new CountDownLatch(1).await(); // until the JVM shuts down and the hook stops Kafka
    return 0;
  }

  /**
   * While a broker stops, Kafka warns about connections it is closing itself (for example
   * "Attempting to close NetworkClient that has already been closed"): noise to someone who just
   * pressed Ctrl-C. The process is ending, so its Kafka loggers go to ERROR.
   */
  private static void quietKafkaShutdown() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logback) {
      for (var name : List.of("kafka", "org.apache.kafka", "state.change.logger")) {
        logback.getLogger(name).setLevel(Level.ERROR);
      }
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void validate() {
    if (port < 0 || port > 65535) {
      throw usage("--port must be 0 to 65535, was " + port);
    }
    if (brokers < 1) {
      throw usage("--brokers must be at least 1, was " + brokers);
    }
    if (port != 0 && port + brokers - 1 > 65535) {
      throw usage("--port " + port + " leaves no room for " + brokers + " brokers");
    }
    if (partitions < 1) {
      throw usage("--partitions must be at least 1, was " + partitions);
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private Running start() {
    if (brokers == 1) {
      var builder = EmbeddedKafka.builder().port(port).numPartitions(partitions).verbose(verbose);
      if (dataDir != null) {
        builder.dataDir(dataDir);
      }
      var kafka = builder.start();
      return new Running(kafka.bootstrapServers(), kafka.dataDir(), kafka);
    }
    var builder =
        EmbeddedKafkaCluster.builder()
            .brokers(brokers)
            .port(port)
            .numPartitions(partitions)
            .verbose(verbose);
    if (dataDir != null) {
      builder.dataDir(dataDir);
    }
    var cluster = builder.start();
    return new Running(cluster.bootstrapServers(), cluster.dataDir(), cluster);
  }

  /** A started broker or cluster. */
  private record Running(String bootstrapServers, Path dataDir, AutoCloseable kafka) {
    void stop() {
      try {
        kafka.close();
      } catch (Exception e) {
        System.err.println("gregor broker: stopping Kafka failed: " + e.getMessage());
      }
    }
  }
}
