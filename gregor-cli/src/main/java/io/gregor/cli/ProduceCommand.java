package io.gregor.cli;

import com.softwaremill.jox.ChannelClosed;
import io.gregor.Codecs;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.Failure;
import io.gregor.Header;
import io.gregor.Message;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gregor produce -t TOPIC}: sends standard input to Kafka, one record a line, through a
 * Gregor {@link Producer}.
 *
 * <p>Every message's outcome comes back as an event ({@code DATA} for sent, {@code ERROR} for
 * failed); a map from the message (by identity) to its line number says which line an outcome is
 * about. Lines that cannot be parsed are reported at once. At the end, one summary line; the exit
 * code is 1 when any line failed.
 */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    versionProvider = Gregor.Version.class,
    description = {
      "Sends standard input to a topic, one record a line.",
      "Reports each line that fails (with its number) and a summary on stderr;"
          + " exits with 1 when any line failed."
    })
public final class ProduceCommand implements Callable<Integer> {
  private static final Set<String> ACKS = Set.of("0", "1", "all", "-1");
  private static final Set<String> COMPRESSIONS = Set.of("none", "gzip", "snappy", "lz4", "zstd");

  @Mixin private KafkaOptions kafka;

  @Option(
      names = {"-t", "--topic"},
      required = true,
      paramLabel = "TOPIC",
      description = "The topic to send to.")
  private String topic;

  @Option(
      names = {"-f", "--format"},
      paramLabel = "FORMAT",
      defaultValue = "text",
      converter = Format.Converter.class,
      completionCandidates = Format.Candidates.class,
      description = {
        "text: each line is a value (or KEY<SEP>VALUE with --key-separator).",
        "json: each line is an object: {\"key\": ..., \"value\": ..., \"headers\": {...},"
            + " \"partition\": N}; \"value\": null sends a tombstone.",
        "Default: ${DEFAULT-VALUE}."
      })
  private Format format;

  @Option(
      names = {"-K", "--key-separator"},
      paramLabel = "SEP",
      description = "Text lines are KEY<SEP>VALUE, split at the first SEP.")
  private String keySeparator;

  @Option(
      names = {"-p", "--partition"},
      paramLabel = "N",
      description = "Send every record to partition N. Default: Kafka's partitioner chooses.")
  private Integer partition;

  @Option(
      names = {"-H", "--header"},
      paramLabel = "KEY=VALUE",
      description = "A header for every record (repeatable).")
  private List<String> headers = new ArrayList<>();

  @Option(
      names = "--acks",
      paramLabel = "ACKS",
      defaultValue = "all",
      description = "Acknowledgements to wait for: 0, 1 or all. Default: ${DEFAULT-VALUE}.")
  private String acks;

  @Option(
      names = "--compression",
      paramLabel = "CODEC",
      defaultValue = "none",
      description = "none, gzip, snappy, lz4 or zstd. Default: ${DEFAULT-VALUE}.")
  private String compression;

  @Option(
      names = "--progress",
      paramLabel = "WHEN",
      defaultValue = "auto",
      description = {
        "A progress line (records/s, MB/s) on stderr: auto (when stderr is a terminal and",
        "stdin is not), on, or off. Default: ${DEFAULT-VALUE}."
      })
  private String progress;

  private final PrintStream err = Std.err();
  private final Map<Message<String, String>, Long> pending =
      Collections.synchronizedMap(new IdentityHashMap<>());
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private volatile boolean producerFailed;
  private Progress progressLine;
  private Integer exitCode;

  /** Created by picocli. */
  public ProduceCommand() {}

  @Override
  public Integer call() throws InterruptedException {
    LineParser parser = validate();
    kafka.configureLogging();
    int partitions = preflight();
    if (partition != null && partitions > 0 && partition >= partitions) {
      throw new CommandFailure(
          "partition "
              + partition
              + " does not exist: topic '"
              + topic
              + "' has "
              + TopicsCommand.plural(partitions, "partition")
              + " (0 to "
              + (partitions - 1)
              + ")");
    }
    var producer = createProducer();
    var outcomes = Thread.ofVirtual().name("gregor-produce-outcomes").start(() -> count(producer));
    if (showProgress()) {
      progressLine = Progress.start(err, "gregor produce:", sent::get, bytes::get);
    }
    var onSignal =
        Thread.ofPlatform()
            .name("gregor-produce-stop")
            .unstarted(() -> finish(producer, outcomes, true));
    Runtime.getRuntime().addShutdownHook(onSignal);
    try {
      send(parser, producer);
    } finally {
      removeHook(onSignal);
    }
    return finish(producer, outcomes, false);
  }

  private LineParser validate() {
    kafka.validate();
    if (topic.isBlank()) {
      throw kafka.usage("--topic must not be blank");
    }
    if (keySeparator != null && format == Format.JSON) {
      throw kafka.usage("--key-separator is for --format text; JSON lines carry a \"key\"");
    }
    if (keySeparator != null && keySeparator.isEmpty()) {
      throw kafka.usage("--key-separator must not be empty");
    }
    if (partition != null && partition < 0) {
      throw kafka.usage("--partition must be 0 or more, was " + partition);
    }
    if (!ACKS.contains(acks)) {
      throw kafka.usage("--acks must be 0, 1 or all, was '" + acks + "'");
    }
    if (!COMPRESSIONS.contains(compression)) {
      throw kafka.usage(
          "--compression must be none, gzip, snappy, lz4 or zstd, was '" + compression + "'");
    }
    if (!Set.of("auto", "on", "off").contains(progress)) {
      throw kafka.usage("--progress must be auto, on or off, was '" + progress + "'");
    }
    // A list, not a map: -H a=1 -H a=2 is two headers.
    List<Header> common = new ArrayList<>();
    for (String header : headers) {
      int at = header.indexOf('=');
      if (at < 1) {
        throw kafka.usage("--header must be KEY=VALUE, was '" + header + "'");
      }
      common.add(Header.of(header.substring(0, at), header.substring(at + 1)));
    }
    return new LineParser(format, topic, keySeparator, partition, common);
  }

  /** Checks the broker and the topic before reading any input; returns the topic's partitions. */
  private int preflight() {
    try (var cluster = Cluster.of(kafka)) {
      return cluster.requireReachable().requireUsable(topic).orElse(0);
    }
  }

  private Producer<Message<String, String>, String, String> createProducer() {
    Map<String, Object> config = kafka.producer("gregor-cli-produce");
    config.putIfAbsent("acks", acks);
    config.putIfAbsent("compression.type", compression);
    var settings =
        ProducerSettings.create(config, Codecs.string(), Codecs.string())
            .withOutputPolicy(EventType.DATA, EventType.ERROR)
            .withCloseTimeout(
                Duration.ofMillis(kafka.deliveryTimeoutMillis()).plus(kafka.timeout()));
    try {
      return Producer.create(settings);
    } catch (KafkaException | IllegalArgumentException e) {
      throw new CommandFailure("cannot create the producer: " + Cluster.rootMessage(e));
    }
  }

  private boolean showProgress() {
    return switch (progress) {
      case "on" -> true;
      case "off" -> false;
      default -> Terminal.stderrIsTerminal() && !Terminal.stdinIsTerminal();
    };
  }

  /** Reads standard input to its end (or until the producer closes), sending each line. */
  private void send(LineParser parser, Producer<Message<String, String>, String, String> producer)
      throws InterruptedException {
    try (var in = Std.in()) {
      long number = 0;
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        number++;
        Message<String, String> message;
        try {
          message = parser.parse(line);
        } catch (LineParser.BadLine e) {
          failed.incrementAndGet();
          report("line " + number + ": " + e.getMessage());
          continue;
        }
        if (message == null) {
          continue;
        }
        pending.put(message, number);
        if (producer.input().sendOrClosed(message) instanceof ChannelClosed) {
          pending.remove(message);
          return; // closed by a signal, or failed: finish() tells
        }
      }
    } catch (IOException e) {
      producerFailed = true; // what was read is still sent; the exit code says it was not all
      report("cannot read standard input: " + e.getMessage());
    }
  }

  /** Counts the outcomes, reporting each failed line, until the producer's EOF. */
  private void count(Producer<Message<String, String>, String, String> producer) {
    try {
      while (true) {
        switch (producer.output().receive()) {
          case Event.Data(var record) -> {
            pending.remove(record.message());
            sent.incrementAndGet();
            bytes.addAndGet(
                Math.max(0, record.serializedKeySize())
                    + Math.max(0, record.serializedValueSize()));
          }
          case Event.Error(var failure) -> failed(failure);
          case Event.Eof() -> {
            return;
          }
          default -> {}
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void failed(Failure failure) {
    Long line = failure.subject() instanceof Message<?, ?> message ? pending.remove(message) : null;
    if (line == null) {
      producerFailed = true;
      report(failure.kind() + ": " + failure.message());
    } else {
      failed.incrementAndGet();
      report("line " + line + ": " + reason(failure));
    }
  }

  /** Kafka's own words when there are some: they say what to change. */
  private static String reason(Failure failure) {
    if (failure.cause() == null) {
      return failure.message();
    }
    String kind =
        switch (failure.kind()) {
          case SEND_FAILED -> "send failed";
          case SERIALIZATION -> "could not serialize";
          default -> failure.kind().toString();
        };
    return kind + ": " + Cluster.rootMessage(failure.cause());
  }

  private void report(String line) {
    String text = "gregor produce: " + line;
    if (progressLine != null) {
      progressLine.printAbove(text);
    } else {
      err.println(text);
    }
  }

  /**
   * Closes the producer (it sends what it accepted), waits for the last outcome and prints the
   * summary; once, whether standard input ended or a signal came.
   */
  private synchronized int finish(
      Producer<Message<String, String>, String, String> producer, Thread outcomes, boolean signal) {
    if (exitCode != null) {
      return exitCode;
    }
    producer.close();
    try {
      outcomes.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (progressLine != null) {
      progressLine.close();
    }
    err.println(
        "gregor produce: "
            + (signal ? "stopped; " : "")
            + sent.get()
            + " sent, "
            + failed.get()
            + " failed");
    exitCode = failed.get() > 0 || producerFailed ? Gregor.EXIT_FAILURE : 0;
    return exitCode;
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook is running or has run
    }
  }
}
