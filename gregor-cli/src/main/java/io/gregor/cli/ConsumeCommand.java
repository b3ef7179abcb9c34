package io.gregor.cli;

import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.Select;
import io.gregor.Codecs;
import io.gregor.Consumer;
import io.gregor.ConsumerOperation;
import io.gregor.ConsumerSettings;
import io.gregor.ErrorKind;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.GregorException;
import io.gregor.Operation;
import io.gregor.RebalanceKind;
import io.gregor.Received;
import io.gregor.Topics;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gregor consume}: prints records from Kafka to standard output, one a line, through a
 * Gregor {@link Consumer}.
 *
 * <p>With {@code --group} it subscribes (and commits what it printed, unless {@code --no-commit});
 * without, it assigns itself every partition of the topics (those that exist when it starts, for a
 * pattern) and commits nothing. An explicit start ({@code --from-beginning}, {@code --from-end},
 * {@code --offset}, {@code --since}) is applied to each partition when it is first assigned, by a
 * seek sent on the control channel; records of that partition that arrive before the seek's result
 * were fetched from the old position and are skipped.
 */
@Command(
    name = "consume",
    mixinStandardHelpOptions = true,
    versionProvider = Gregor.Version.class,
    description = {
      "Prints records to stdout, one a line, until --count records, the end (--exit-at-end),"
          + " --until, or Ctrl-C.",
      "Without --group: every partition, from the beginning (unless told otherwise), nothing"
          + " committed.",
      "With --group: the group's committed offsets (the beginning for a new group); commits what"
          + " was printed, unless --no-commit."
    })
public final class ConsumeCommand implements Callable<Integer> {
  private static final Object NOTHING_YET = new Object();
  private static final String AUTO_CREATE = "allow.auto.create.topics";

  /** With --exit-at-end, how often positions are checked while no record arrives. */
  private static final Duration END_CHECK_INTERVAL = Duration.ofMillis(500);

  @Spec private CommandSpec spec;
  @Mixin private KafkaOptions kafka;

  @Option(
      names = {"-t", "--topic"},
      paramLabel = "TOPIC",
      description = "A topic to read (repeatable).")
  private List<String> topics = new ArrayList<>();

  @Option(
      names = "--pattern",
      paramLabel = "REGEX",
      description = "Read every topic whose whole name matches REGEX (instead of --topic).")
  private String pattern;

  @Option(
      names = {"-g", "--group"},
      paramLabel = "GROUP",
      description = "Consume as a member of this consumer group.")
  private String group;

  @Option(
      names = "--from-beginning",
      description = "Start at the first record, even when the group has committed offsets.")
  private boolean fromBeginning;

  @Option(names = "--from-end", description = "Print only records that arrive from now on.")
  private boolean fromEnd;

  @Option(
      names = {"-o", "--offset"},
      paramLabel = "N",
      description = "Start at offset N of each partition; a negative N: N records before the end.")
  private Long offset;

  @Option(
      names = "--since",
      paramLabel = "TIME",
      description =
          "Start at the first record at or after TIME: an ISO-8601 instant"
              + " (2025-01-31T12:00:00Z) or a duration ago (10m, 2h, 1d).")
  private String since;

  @Option(
      names = {"-n", "--count"},
      paramLabel = "N",
      description = "Exit after N records.")
  private Long count;

  @Option(
      names = {"-e", "--exit-at-end"},
      description =
          "Exit once every partition has reached the end offset it had when it was first"
              + " assigned (records that arrive meanwhile may be printed too).")
  private boolean exitAtEnd;

  @Option(
      names = "--until",
      paramLabel = "TIME",
      description =
          "Stop reading each partition at its first record stamped at or after TIME (not printed):"
              + " an ISO-8601 instant (2025-01-31T12:00:00Z) or epoch milliseconds. Exits when"
              + " every partition has stopped.")
  private String until;

  @Option(
      names = {"-p", "--partition"},
      paramLabel = "N",
      description = "Read only partition N of the topic (one --topic, no --group).")
  private Integer partition;

  @Option(
      names = {"-f", "--format"},
      paramLabel = "FORMAT",
      defaultValue = "text",
      description = {
        "text: the value (see --print-key, --print-headers).",
        "json: {\"topic\", \"partition\", \"offset\", \"timestamp\", \"key\", \"value\","
            + " \"headers\"}.",
        "Or a format string as kcat's -f (%% written %%%%): %%t topic, %%p partition, %%o"
            + " offset, %%k key, %%K key size, %%s value, %%S value size, %%T timestamp (epoch"
            + " ms), %%h headers; \\n, \\t, \\r, \\\\. A newline ends each record unless the string ends"
            + " with one.",
        "Default: ${DEFAULT-VALUE}."
      })
  private String formatText;

  @Option(
      names = "--null-key",
      paramLabel = "TEXT",
      defaultValue = "",
      description = "What a missing key prints as (text and format strings). Default: nothing.")
  private String nullKey;

  @Option(
      names = "--null-value",
      paramLabel = "TEXT",
      defaultValue = "",
      description =
          "What a missing value (a tombstone) prints as (text and format strings). Default:"
              + " nothing.")
  private String nullValue;

  @Option(
      names = "--binary",
      description = {
        "Write keys, values and header values as they are, UTF-8 or not; with --format json, in"
            + " base64 (what produce --format json --binary reads).",
        "Without it, a record whose key, value or a header value to print is not UTF-8 is not"
            + " printed: it is reported (topic-partition@offset), and the exit code is 1."
      })
  private boolean binary;

  @Option(names = "--print-key", description = "Text format: print KEY<SEP> before the value.")
  private boolean printKey;

  @Option(
      names = "--print-headers",
      description = "Text format: print the headers (k=v,k=v) and a tab first.")
  private boolean printHeaders;

  @Option(
      names = {"-K", "--key-separator"},
      paramLabel = "SEP",
      defaultValue = "\t",
      description = "What --print-key puts between key and value. Default: a tab.")
  private String keySeparator;

  @Option(
      names = "--commit",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = {
        "With --group: commit the records printed (every 5 s and at exit), or with"
            + " --no-commit nothing. Default: commit."
      })
  private boolean commit;

  private final PrintStream err = Std.err();

  /** Partitions whose seek has been sent and not yet answered: their records are stale. */
  private final Map<TopicPartition, Integer> seeking = new HashMap<>();

  /** Partitions assigned at least once (an explicit start applies only to the first time). */
  private final Set<TopicPartition> positioned = new HashSet<>();

  private Start start;

  private RecordLines lines;

  private Stops stops;

  /** The topics read: without a group, those that exist (or that the broker will create). */
  private List<String> reading = List.of();

  /** Records printed so far. */
  private long printed;

  /** Records not printed because they are not text (without --binary). */
  private long refused;

  private final RepeatedReasons notText = new RepeatedReasons("record");

  /** Whether the consumer reported that it cannot go on. */
  private boolean fatal;

  /** Created by picocli. */
  public ConsumeCommand() {}

  /** Where to start reading each partition. */
  private sealed interface Start {
    /** Committed offsets, else the beginning (the consumer's reset policy; no seek). */
    record Default() implements Start {}

    record Beginning() implements Start {}

    record End() implements Start {}

    /** At offset N, or N before the end when negative. */
    record AtOffset(long offset) implements Start {}

    record Since(Instant time) implements Start {}
  }

  @Override
  public Integer call() {
    start = validate();
    kafka.configureLogging();
    Set<TopicPartition> partitions = preflight();
    var consumer = createConsumer();
    var reader = Thread.currentThread();
    var finished = new CountDownLatch(1);
    var onSignal =
        Thread.ofPlatform()
            .name("gregor-consume-stop")
            .unstarted(
                () -> {
                  reader.interrupt();
                  awaitQuietly(finished, kafka.timeout().plusSeconds(5));
                });
    Runtime.getRuntime().addShutdownHook(onSignal);
    var out = Std.out();
    boolean failed = true;
    try {
      if (group == null) {
        partitions = withCreatedTopics(consumer, partitions);
        consumer.assign(partitions);
        stops.assigned(partitions, consumer::endOffsets);
        firstAssigned(consumer, partitions);
      }
      print(consumer, out);
      failed = false;
    } catch (GregorException e) {
      throw new CommandFailure(e.failure().message());
    } catch (InterruptedException e) {
      failed = false; // a signal before the first record
    } finally {
      out.flush();
      Thread.interrupted(); // a signal's interrupt has done its job; closing must not see it
      consumer.close();
      if (!failed) {
        notText.summary().forEach(line -> err.println("gregor consume: " + line));
        err.println(
            "gregor consume: "
                + TopicsCommand.plural(printed, "record")
                + (refused == 0 ? "" : ", " + refused + " not printed"));
      }
      finished.countDown(); // a signal's hook lets the JVM end now
      removeHook(onSignal);
    }
    return fatal || refused > 0 ? Gregor.EXIT_FAILURE : 0;
  }

  private Start validate() {
    kafka.validate();
    if (topics.isEmpty() == (pattern == null)) {
      throw kafka.usage("give either --topic (one or more) or --pattern");
    }
    if (topics.stream().anyMatch(String::isBlank)) {
      throw kafka.usage("--topic must not be blank");
    }
    if (pattern != null) {
      try {
        Pattern.compile(pattern);
      } catch (PatternSyntaxException e) {
        throw kafka.usage("--pattern is not a regular expression: " + e.getDescription());
      }
    }
    int starts =
        (fromBeginning ? 1 : 0)
            + (fromEnd ? 1 : 0)
            + (offset != null ? 1 : 0)
            + (since != null ? 1 : 0);
    if (starts > 1) {
      throw kafka.usage("choose one of --from-beginning, --from-end, --offset, --since");
    }
    if (count != null && count < 1) {
      throw kafka.usage("--count must be at least 1, was " + count);
    }
    if (partition != null && (topics.size() != 1 || group != null)) {
      throw kafka.usage("--partition needs exactly one --topic, and no --group");
    }
    if (partition != null && partition < 0) {
      throw kafka.usage("--partition must be 0 or more, was " + partition);
    }
    Instant stopAt = until == null ? null : parseUntil(until);
    if (stopAt != null && group != null && commit) {
      throw kafka.usage(
          "--until with --group needs --no-commit: the record that stops a partition is read but"
              + " not printed, and would be committed");
    }
    stops = new Stops(exitAtEnd, stopAt);
    lines = recordLines();
    if (group != null && group.isBlank()) {
      throw kafka.usage("--group must not be blank");
    }
    if (group == null && spec.commandLine().getParseResult().hasMatchedOption("--commit")) {
      throw kafka.usage(
          "--commit and --no-commit need --group: without a group nothing is committed");
    }
    if (fromBeginning) {
      return new Start.Beginning();
    }
    if (fromEnd) {
      return new Start.End();
    }
    if (offset != null) {
      return new Start.AtOffset(offset);
    }
    if (since != null) {
      return new Start.Since(parseSince(since));
    }
    return new Start.Default();
  }

  private RecordLines recordLines() {
    var parsed = spec.commandLine().getParseResult();
    boolean textOptions = printKey || printHeaders || parsed.hasMatchedOption("--key-separator");
    Format format = null;
    Template template = null;
    if (Template.looksLikeOne(formatText)) {
      try {
        template = Template.parse(formatText);
      } catch (IllegalArgumentException e) {
        throw kafka.usage("--format " + e.getMessage());
      }
      if (textOptions) {
        throw kafka.usage(
            "--print-key, --print-headers and --key-separator are for --format text; a format"
                + " string says itself what to print (%k, %h)");
      }
    } else {
      try {
        format = new Format.Converter().convert(formatText);
      } catch (picocli.CommandLine.TypeConversionException e) {
        throw kafka.usage(
            "--format must be text, json or a format string like '%k %s', was '"
                + formatText
                + "'");
      }
      if (format == Format.JSON
          && (textOptions
              || parsed.hasMatchedOption("--null-key")
              || parsed.hasMatchedOption("--null-value"))) {
        throw kafka.usage(
            "--print-key, --print-headers, --key-separator, --null-key and --null-value are for"
                + " --format text; JSON lines always carry the key, the headers and null");
      }
    }
    return new RecordLines(
        format,
        template,
        new RecordLines.Options(printKey, printHeaders, keySeparator, nullKey, nullValue, binary));
  }

  private Instant parseUntil(String text) {
    try {
      return Instants.parse(text);
    } catch (IllegalArgumentException e) {
      throw kafka.usage("--until " + e.getMessage());
    }
  }

  private Instant parseSince(String text) {
    try {
      return Instant.parse(text.trim());
    } catch (DateTimeParseException notAnInstant) {
      try {
        return Instant.now().minus(Durations.parse(text));
      } catch (IllegalArgumentException notADuration) {
        throw kafka.usage(
            "--since must be an ISO-8601 instant (2025-01-31T12:00:00Z) or a duration (10m, 2h,"
                + " 1d), was '"
                + text
                + "'");
      }
    }
  }

  /**
   * Checks the broker and the topics; without a group, finds the partitions to assign (those of
   * topics that do not exist yet and that the broker will create are found by the consumer).
   */
  private Set<TopicPartition> preflight() {
    try (var cluster = Cluster.of(kafka)) {
      cluster.requireReachable();
      List<String> names = topics;
      if (pattern != null) {
        if (group != null) {
          return Set.of();
        }
        var regex = Pattern.compile(pattern);
        names = cluster.list(false).stream().filter(t -> regex.matcher(t).matches()).toList();
        if (names.isEmpty()) {
          throw new CommandFailure(
              "no topic matches --pattern '"
                  + pattern
                  + "' (without --group, consume reads the topics that exist when it starts)");
        }
      }
      if (pattern == null && !autoCreate()) {
        names = existing(cluster);
      }
      reading = names;
      Set<TopicPartition> partitions = new HashSet<>();
      for (String topic : names) {
        var count = cluster.requireUsable(topic);
        if (partition != null && count.isPresent()) {
          if (partition >= count.get()) {
            throw new CommandFailure(noSuchPartition(topic, count.get()));
          }
          return Set.of(new TopicPartition(topic, partition));
        }
        cluster
            .describe(topic)
            .ifPresent(
                d ->
                    d.partitions()
                        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition()))));
      }
      return partitions;
    }
  }

  private Consumer<byte[], byte[], Received<byte[], byte[]>> createConsumer() {
    Map<String, Object> config = kafka.consumer("gregor-cli-consume");
    if (group != null) {
      config.put("group.id", group);
      config.put("enable.auto.commit", commit);
    }
    config.putIfAbsent(AUTO_CREATE, false);
    config.putIfAbsent("auto.offset.reset", start instanceof Start.End ? "latest" : "earliest");
    var settings =
        ConsumerSettings.create(config, Codecs.bytes(), Codecs.bytes())
            .withOutputPolicy(EventType.CONTROL, EventType.ERROR)
            .withCloseTimeout(kafka.timeout());
    if (group != null) {
      settings =
          settings.withTopics(pattern == null ? Topics.of(topics) : Topics.matching(pattern));
    }
    try {
      return Consumer.create(settings);
    } catch (KafkaException | IllegalArgumentException e) {
      throw new CommandFailure("cannot create the consumer: " + Cluster.rootMessage(e));
    }
  }

  /**
   * Whether the consumer may create a topic it asks for ({@code allow.auto.create.topics}, where
   * the broker allows it): not unless the user says so, so that a misspelt topic is not created.
   */
  private boolean autoCreate() {
    return Boolean.parseBoolean(kafka.userSetting(AUTO_CREATE));
  }

  /**
   * The named topics that exist. One that does not is reported; when none does, the command fails.
   * Without a group the others are read; with one, the missing ones stay subscribed to (the
   * consumer reads them once created, and says they are missing meanwhile).
   */
  private List<String> existing(Cluster cluster) {
    List<String> found = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String topic : topics) {
      (cluster.describe(topic).isPresent() ? found : missing).add(topic);
    }
    if (found.isEmpty()) {
      if (!cluster.autoCreatesTopics()) {
        cluster.requireUsable(missing.getFirst()); // says so, with the broker's part
      }
      throw new CommandFailure(
          (missing.size() == 1
                  ? "topic '" + missing.getFirst() + "' does not exist"
                  : "no topic exists of " + String.join(", ", missing))
              + "; consume does not create topics (-X "
              + AUTO_CREATE
              + "=true lets this broker create them on first use)");
    }
    if (group == null) {
      for (String topic : missing) {
        err.println("gregor consume: topic '" + topic + "' does not exist; reading the others");
      }
    }
    return found;
  }

  private String noSuchPartition(String topic, int count) {
    return "partition "
        + partition
        + " does not exist: topic '"
        + topic
        + "' has "
        + TopicsCommand.plural(count, "partition")
        + " (0 to "
        + (count - 1)
        + ")";
  }

  /**
   * Adds the partitions of named topics that did not exist at the start (the broker creates topics
   * on first use, or preflight would have failed): waits until they do, as it waits for records.
   */
  private Set<TopicPartition> withCreatedTopics(
      Consumer<byte[], byte[], Received<byte[], byte[]>> consumer, Set<TopicPartition> partitions)
      throws InterruptedException {
    Set<TopicPartition> all = new HashSet<>(partitions);
    for (String topic : reading) {
      boolean told = false;
      while (all.stream().noneMatch(p -> p.topic().equals(topic))) {
        var found = consumer.partitionsFor(topic);
        if (partition != null && !found.isEmpty()) {
          if (partition >= found.size()) {
            throw new CommandFailure(noSuchPartition(topic, found.size()));
          }
          all.add(new TopicPartition(topic, partition));
          continue;
        }
        found.forEach(p -> all.add(new TopicPartition(topic, p.partition())));
        if (found.isEmpty()) {
          if (!told) {
            err.println("gregor consume: topic '" + topic + "' does not exist yet; waiting for it");
            told = true;
          }
          TimeUnit.SECONDS.sleep(1); // a new topic's first producer creates it
        }
      }
    }
    return all;
  }

  /** Prints records until the count, the end of the stream, stdout closing, or a signal. */
  private void print(Consumer<byte[], byte[], Received<byte[], byte[]>> consumer, PrintStream out) {
    try {
      while ((count == null || printed < count) && !stops.done()) {
        Object next =
            Select.selectOrClosed(
                consumer.output().receiveClause(), Select.defaultClause(NOTHING_YET));
        if (next == NOTHING_YET) {
          // Nothing more for now: show what came so far (checkError flushes), unless nobody reads
          // stdout any more (| head).
          if (out.checkError()) {
            return;
          }
          if (!stops.atEnd()) {
            next = consumer.output().receiveOrClosed();
          } else if (stops.reachedByPosition(consumer::position, seeking::containsKey)) {
            return;
          } else if (stops.checkAgain()) {
            continue;
          } else {
            // A partition's position can pass its end without a record (transaction markers).
            next =
                Select.selectOrClosedWithin(
                    END_CHECK_INTERVAL, NOTHING_YET, consumer.output().receiveClause());
            if (next == NOTHING_YET) {
              continue;
            }
          }
        }
        @SuppressWarnings("unchecked")
        var event = next instanceof ChannelClosed ? null : (Event<Received<byte[], byte[]>>) next;
        switch (event) {
          case null -> {
            return;
          }
          case Event.Data(var record) -> {
            if (seeking.containsKey(record.topicPartition())) {
              continue; // fetched from the position before a seek
            }
            var verdict = stops.received(record);
            if (verdict == Stops.Verdict.SKIP_AND_STOP) {
              consumer.control().send(new Operation.Pause(Set.of(record.topicPartition())));
            }
            if (verdict == Stops.Verdict.PRINT) {
              byte[] line;
              try {
                line = lines.line(record);
              } catch (RecordLines.NotText e) {
                refused(record, e.getMessage());
                continue;
              }
              out.writeBytes(line);
              printed++;
              if (printed % 1024 == 0 && out.checkError()) {
                return; // stdout is closed (e.g. | head): nobody is reading
              }
            }
          }
          case Event.Rebalance(var kind, var partitions) -> {
            if (kind == RebalanceKind.ASSIGNED) {
              stops.assigned(partitions, consumer::endOffsets);
              Set<TopicPartition> fresh = new HashSet<>(partitions);
              fresh.removeAll(positioned);
              firstAssigned(consumer, fresh);
            } else {
              stops.revoked(partitions);
            }
          }
          case Event.Result(var operation, var value) -> answered(operation);
          case Event.Error(var failure) -> {
            if (failure.subject() instanceof Operation<?> operation) {
              answered(operation);
            }
            err.println(
                "gregor consume: "
                    + (failure.kind() == ErrorKind.UNKNOWN_TOPIC ? "" : failure.kind() + ": ")
                    + failure.message());
            fatal |= failure.kind() == ErrorKind.FATAL;
          }
          case Event.Eof() -> {
            return;
          }
        }
      }
    } catch (InterruptedException e) {
      // Ctrl-C or SIGTERM: stop printing; the caller closes the consumer
    }
  }

  /** A record not printed: said on stderr (repeats cut short), and the exit code will be 1. */
  private void refused(Received<byte[], byte[]> record, String reason) {
    refused++;
    String where = "record " + record.topic() + "-" + record.partition() + "@" + record.offset();
    String text = notText.report(where, reason);
    if (text != null) {
      err.println("gregor consume: " + text);
    }
  }

  /** Applies the explicit start to partitions assigned for the first time. */
  private void firstAssigned(
      Consumer<byte[], byte[], Received<byte[], byte[]>> consumer, Set<TopicPartition> partitions)
      throws InterruptedException {
    positioned.addAll(partitions);
    if (partitions.isEmpty()) {
      return;
    }
    List<ConsumerOperation<?>> seeks =
        switch (start) {
          case Start.Default() -> List.of();
          case Start.Beginning() -> List.of(new Operation.SeekToBeginning(partitions));
          case Start.End() -> List.of(new Operation.SeekToEnd(partitions));
          case Start.Since(var time) -> List.of(new Operation.SeekToTimestamp(partitions, time));
          case Start.AtOffset(var n) -> {
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ConsumerOperation<?>> each = new ArrayList<>();
            for (TopicPartition partition : partitions) {
              long end = ends.getOrDefault(partition, 0L);
              each.add(
                  new Operation.Seek(partition, n < 0 ? Math.max(0, end + n) : Math.min(n, end)));
            }
            yield each;
          }
        };
    for (ConsumerOperation<?> seek : seeks) {
      partitionsOf(seek).forEach(p -> seeking.merge(p, 1, Integer::sum));
      consumer.control().send(seek);
    }
  }

  /** A seek's result (or error) arrived: records of its partitions are from the new position. */
  private void answered(Operation<?> operation) {
    for (TopicPartition partition : partitionsOf(operation)) {
      seeking.computeIfPresent(partition, (p, n) -> n == 1 ? null : n - 1);
    }
  }

  private static Set<TopicPartition> partitionsOf(Operation<?> operation) {
    return switch (operation) {
      case Operation.Seek(var partition, var ignored) -> Set.of(partition);
      case Operation.SeekToBeginning(var partitions) -> partitions;
      case Operation.SeekToEnd(var partitions) -> partitions;
      case Operation.SeekToTimestamp(var partitions, var ignored) -> partitions;
      default -> Set.of();
    };
  }

  private static void awaitQuietly(CountDownLatch latch, Duration timeout) {
    try {
      latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook is running or has run
    }
  }
}
