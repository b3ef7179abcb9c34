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
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
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
      names = {"-D", "--delimiter"},
      paramLabel = "DELIM",
      defaultValue = "\\n",
      description = {
        "What ends a record, as kcat's -D: any text, with \\n, \\r, \\t, \\0 and \\\\ for"
            + " a newline, a carriage return, a tab, a zero byte and a backslash. Default: \\n."
      })
  private String delimiterText;

  @Option(
      names = "--strip-cr",
      description = "Remove a carriage return (\\r) that ends a record (Windows line ends).")
  private boolean stripCr;

  @Option(
      names = "--binary",
      description = {
        "Send the bytes as they are: input that is not UTF-8 is not refused.",
        "With --format json, \"key\", \"value\" and the header values are base64 (as consume"
            + " --format json --binary prints them)."
      })
  private boolean binary;

  @Option(
      names = "--ignore-partition",
      description = {
        "With --format json, ignore each line's \"partition\", as its \"topic\" and \"offset\" are.",
        "For copying what consume printed to a topic with fewer partitions."
      })
  private boolean ignorePartition;

  @Option(
      names = "--tombstone-marker",
      paramLabel = "TEXT",
      description = {
        "Text format: a value that is exactly TEXT is sent as a tombstone (a null value).",
        "--tombstone-marker '' makes every empty value one, as kcat's -Z."
      })
  private String tombstoneMarker;

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
        "A progress line (records/s, MB/s) on stderr: auto (when stderr is a terminal and"
            + " stdin is not), on, or off.",
        "Default: ${DEFAULT-VALUE}."
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
  private byte[] delimiter;
  private final RepeatedReasons lineErrors = new RepeatedReasons("line");
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
      send(parser, producer, partitions);
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
    if (tombstoneMarker != null && format == Format.JSON) {
      throw kafka.usage("--tombstone-marker is for --format text; in JSON, \"value\": null is one");
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
    try {
      delimiter = DelimitedInput.delimiter(delimiterText);
    } catch (IllegalArgumentException e) {
      throw kafka.usage("--delimiter " + e.getMessage());
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
    boolean bytesAsText = binary && format == Format.TEXT;
    return new LineParser(
        format,
        topic,
        bytesAsText ? Latin1.carrying(keySeparator) : keySeparator,
        partition,
        common,
        bytesAsText ? Latin1.carrying(tombstoneMarker) : tombstoneMarker,
        binary,
        ignorePartition);
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
        ProducerSettings.create(
                config,
                binary ? Latin1.codec() : Codecs.string(),
                binary ? Latin1.codec() : Codecs.string())
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

  /**
   * Reads standard input to its end (or until the producer closes), sending each line. A line's
   * partition that the topic did not have at the start ({@code partitions}, 0 when unknown) is
   * refused here, at once, so that its error comes in line order (the producer would report it
   * later, after lines read since).
   */
  private void send(
      LineParser parser, Producer<Message<String, String>, String, String> producer, int partitions)
      throws InterruptedException {
    try (var in = new DelimitedInput(Std.in(), delimiter)) {
      long number = 0;
      for (byte[] record = in.next(); record != null; record = in.next()) {
        number++;
        Message<String, String> message;
        try {
          message = parser.parse(decode(record));
          requirePartition(message, partitions);
        } catch (LineParser.BadLine e) {
          failed.incrementAndGet();
          reportLine(number, e.getMessage());
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

  private void requirePartition(Message<String, String> message, int partitions)
      throws LineParser.BadLine {
    if (message != null
        && message.partition() != null
        && partitions > 0
        && message.partition() >= partitions) {
      throw new LineParser.BadLine(
          "partition "
              + message.partition()
              + " does not exist: topic '"
              + topic
              + "' has "
              + TopicsCommand.plural(partitions, "partition")
              + " (0 to "
              + (partitions - 1)
              + ")");
    }
  }

  /**
   * A record's text: its bytes carried one a char with {@code --binary} in text format, otherwise
   * its UTF-8, strictly (rewriting bad bytes to U+FFFD would send something else than was given).
   */
  private String decode(byte[] record) throws LineParser.BadLine {
    int length = record.length;
    if (stripCr && length > 0 && record[length - 1] == '\r') {
      length--;
    }
    if (binary && format == Format.TEXT) {
      return new String(record, 0, length, StandardCharsets.ISO_8859_1);
    }
    var bytes = ByteBuffer.wrap(record, 0, length);
    var text = CharBuffer.allocate(length);
    var result =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(bytes, text, true);
    if (result.isError()) {
      throw new LineParser.BadLine(
          "not valid UTF-8 at byte "
              + (bytes.position() + 1)
              + " (--binary sends bytes as they are)");
    }
    return text.flip().toString();
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
      reportLine(line, reason(failure));
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

  private void reportLine(long number, String reason) {
    String text = lineErrors.report("line " + number, reason);
    if (text != null) {
      report(text);
    }
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
    lineErrors.summary().forEach(line -> err.println("gregor produce: " + line));
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
