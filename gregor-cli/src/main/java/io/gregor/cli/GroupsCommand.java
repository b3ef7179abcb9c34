package io.gregor.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gregor groups list | describe | reset-offsets}, through Kafka's Admin client. */
@Command(
    name = "groups",
    mixinStandardHelpOptions = true,
    versionProvider = Gregor.Version.class,
    description = "Lists and describes consumer groups, and resets their offsets.",
    subcommands = {
      GroupsCommand.ListGroups.class,
      GroupsCommand.Describe.class,
      GroupsCommand.ResetOffsets.class
    })
public final class GroupsCommand {
  private static final Comparator<TopicPartition> BY_TOPIC_AND_PARTITION =
      Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

  /** Created by picocli. */
  public GroupsCommand() {}

  /** {@code gregor groups list}: one id a line, sorted. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      versionProvider = Gregor.Version.class,
      description = "Prints the consumer groups' ids, one a line, sorted.")
  static final class ListGroups implements Callable<Integer> {
    @Spec private CommandSpec spec;
    @Mixin private KafkaOptions kafka;

    @Option(names = "--state", description = "Print each group's state after a tab.")
    private boolean state;

    @Override
    public Integer call() {
      kafka.validate();
      kafka.configureLogging();
      try (var cluster = Cluster.of(kafka)) {
        PrintWriter out = spec.commandLine().getOut();
        cluster.requireReachable().groups().stream()
            .map(g -> state ? g.id() + "\t" + g.state() : g.id())
            .forEach(out::println);
        out.flush();
      }
      return 0;
    }
  }

  /** {@code gregor groups describe GROUP}: state, and per partition offsets, lag and owner. */
  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      versionProvider = Gregor.Version.class,
      description =
          "Prints a group's state, then for each partition it has committed for or holds: the"
              + " committed offset, the end offset, the lag and the member's client id.")
  static final class Describe implements Callable<Integer> {
    @Spec private CommandSpec spec;
    @Mixin private KafkaOptions kafka;

    @Parameters(paramLabel = "GROUP", description = "The group's id.")
    private String group;

    @Override
    public Integer call() {
      kafka.validate();
      kafka.configureLogging();
      try (var cluster = Cluster.of(kafka)) {
        cluster.requireReachable();
        var members = cluster.members(group);
        Map<TopicPartition, Long> committed = cluster.committed(group);
        if (committed.isEmpty() && members.members() == 0) {
          throw new CommandFailure("group '" + group + "' does not exist (or has no offsets)");
        }
        Set<TopicPartition> partitions = new TreeSet<>(BY_TOPIC_AND_PARTITION);
        partitions.addAll(committed.keySet());
        partitions.addAll(members.owners().keySet());
        var ends = cluster.offsetsAt(partitions, OffsetSpec.latest());
        var out = spec.commandLine().getOut();
        out.println(
            "group "
                + group
                + ": "
                + members.state()
                + ", "
                + TopicsCommand.plural(members.members(), "member"));
        out.println(row("TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "MEMBER"));
        for (TopicPartition partition : partitions) {
          Long offset = committed.get(partition);
          long end = ends.get(partition);
          out.println(
              row(
                  partition.topic(),
                  Integer.toString(partition.partition()),
                  offset == null ? "-" : Long.toString(offset),
                  Long.toString(end),
                  Long.toString(end - (offset == null ? 0 : offset)),
                  members.owners().getOrDefault(partition, "-")));
        }
        out.flush();
      }
      return 0;
    }
  }

  /** {@code gregor groups reset-offsets GROUP -t TOPIC --to-...}: a dry run unless --execute. */
  @Command(
      name = "reset-offsets",
      mixinStandardHelpOptions = true,
      versionProvider = Gregor.Version.class,
      description = {
        "Shows where a group's offsets would go, for every partition of the topics given.",
        "With --execute it sets them; Kafka only allows that while the group has no members."
      })
  static final class ResetOffsets implements Callable<Integer> {
    @Spec private CommandSpec spec;
    @Mixin private KafkaOptions kafka;

    @Parameters(paramLabel = "GROUP", description = "The group's id.")
    private String group;

    @Option(
        names = {"-t", "--topic"},
        required = true,
        paramLabel = "TOPIC",
        description = "A topic whose partitions to reset (repeatable).")
    private List<String> topics = new ArrayList<>();

    @ArgGroup(multiplicity = "1")
    private Target target;

    /** Where the offsets go: exactly one of these. */
    static final class Target {
      @Option(names = "--to-earliest", required = true, description = "The first record.")
      boolean earliest;

      @Option(
          names = "--to-latest",
          required = true,
          description = "The end: past the last record.")
      boolean latest;

      @Option(
          names = "--to-offset",
          required = true,
          paramLabel = "N",
          description = "Offset N (kept within each partition's first and end offsets).")
      Long offset;

      @Option(
          names = "--to-datetime",
          required = true,
          paramLabel = "TIME",
          description =
              "The first record at or after TIME: an ISO-8601 instant or epoch milliseconds (the"
                  + " end when there is none).")
      String datetime;
    }

    @Option(names = "--execute", description = "Set the offsets (without it: a dry run).")
    private boolean execute;

    @Override
    public Integer call() {
      kafka.validate();
      Instant time = null;
      if (target.datetime != null) {
        try {
          time = Instants.parse(target.datetime);
        } catch (IllegalArgumentException e) {
          throw kafka.usage("--to-datetime " + e.getMessage());
        }
      }
      kafka.configureLogging();
      try (var cluster = Cluster.of(kafka)) {
        cluster.requireReachable();
        Set<TopicPartition> partitions = new TreeSet<>(BY_TOPIC_AND_PARTITION);
        for (String topic : topics) {
          var description = cluster.describe(topic).orElseThrow(() -> Cluster.noSuchTopic(topic));
          description
              .partitions()
              .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        var first = cluster.offsetsAt(partitions, OffsetSpec.earliest());
        var ends = cluster.offsetsAt(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> targets =
            target.earliest
                ? first
                : target.latest
                    ? ends
                    : time != null
                        ? cluster.offsetsAt(
                            partitions, OffsetSpec.forTimestamp(time.toEpochMilli()))
                        : clamp(partitions, target.offset, first, ends);
        var committed = cluster.committed(group);
        var out = spec.commandLine().getOut();
        out.println(row("TOPIC", "PARTITION", "FROM", "TO"));
        for (TopicPartition partition : partitions) {
          Long from = committed.get(partition);
          out.println(
              row(
                  partition.topic(),
                  Integer.toString(partition.partition()),
                  from == null ? "-" : Long.toString(from),
                  Long.toString(targets.get(partition))));
        }
        out.flush();
        var err = spec.commandLine().getErr();
        if (!execute) {
          err.println(
              "gregor groups reset-offsets: dry run, nothing changed (--execute sets them)");
          err.flush();
          return 0;
        }
        var members = cluster.members(group);
        if (members.members() > 0) {
          throw new CommandFailure(
              "group '"
                  + group
                  + "' has "
                  + TopicsCommand.plural(members.members(), "member")
                  + ": stop its consumers first (Kafka resets only an empty group)");
        }
        cluster.alterOffsets(group, targets);
        err.println(
            "gregor groups reset-offsets: set the offsets of "
                + TopicsCommand.plural(partitions.size(), "partition")
                + " for group "
                + group);
        err.flush();
      }
      return 0;
    }

    private static Map<TopicPartition, Long> clamp(
        Set<TopicPartition> partitions,
        long offset,
        Map<TopicPartition, Long> first,
        Map<TopicPartition, Long> ends) {
      Map<TopicPartition, Long> clamped = new java.util.HashMap<>();
      for (TopicPartition partition : partitions) {
        clamped.put(partition, Math.clamp(offset, first.get(partition), ends.get(partition)));
      }
      return clamped;
    }
  }

  /** Columns as Kafka's tools print them: left-aligned, padded. */
  private static String row(String topic, String... rest) {
    var line = new StringBuilder(String.format("%-30s", topic));
    for (String column : rest) {
      line.append(' ').append(String.format("%-10s", column));
    }
    return line.toString().stripTrailing();
  }
}
