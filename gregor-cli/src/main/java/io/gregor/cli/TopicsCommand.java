package io.gregor.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gregor topics list | create | describe | delete}, through Kafka's Admin client. */
@Command(
    name = "topics",
    mixinStandardHelpOptions = true,
    versionProvider = Gregor.Version.class,
    description = "Lists, creates, describes, alters and deletes topics.",
    subcommands = {
      TopicsCommand.ListTopics.class,
      TopicsCommand.Create.class,
      TopicsCommand.Describe.class,
      TopicsCommand.Alter.class,
      TopicsCommand.Delete.class
    })
public final class TopicsCommand {
  /** Created by picocli. */
  public TopicsCommand() {}

  /** {@code gregor topics list}: one name a line, sorted. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      versionProvider = Gregor.Version.class,
      description = "Prints the topics' names, one a line, sorted.")
  static final class ListTopics implements Callable<Integer> {
    @Spec private CommandSpec spec;
    @Mixin private KafkaOptions kafka;

    @Option(names = "--internal", description = "Include Kafka's internal topics.")
    private boolean internal;

    @Override
    public Integer call() {
      kafka.validate();
      kafka.configureLogging();
      try (var cluster = Cluster.of(kafka)) {
        PrintWriter out = spec.commandLine().getOut();
        cluster.requireReachable().list(internal).forEach(out::println);
        out.flush();
      }
      return 0;
    }
  }

  /** {@code gregor topics create NAME}. */
  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      versionProvider = Gregor.Version.class,
      description = "Creates a topic.")
  static final class Create implements Callable<Integer> {
    @Spec private CommandSpec spec;
    @Mixin private KafkaOptions kafka;

    @Parameters(paramLabel = "NAME", description = "The topic's name.")
    private String name;

    @Option(
        names = {"-p", "--partitions"},
        paramLabel = "N",
        description = "Number of partitions. Default: the broker's num.partitions.")
    private Integer partitions;

    @Option(
        names = {"-r", "--replication-factor"},
        paramLabel = "R",
        description = "Copies of each partition. Default: the broker's default.replication.factor.")
    private Short replicationFactor;

    @Option(
        names = {"-c", "--config"},
        paramLabel = "KEY=VALUE",
        description = "A topic setting (repeatable), e.g. --config cleanup.policy=compact.")
    private Map<String, String> configs = new LinkedHashMap<>();

    @Option(names = "--if-not-exists", description = "Succeed when the topic exists already.")
    private boolean ifNotExists;

    @Override
    public Integer call() {
      kafka.validate();
      if (name.isBlank()) {
        throw kafka.usage("the topic's NAME must not be blank");
      }
      if (partitions != null && partitions < 1) {
        throw kafka.usage("--partitions must be at least 1, was " + partitions);
      }
      if (replicationFactor != null && replicationFactor < 1) {
        throw kafka.usage("--replication-factor must be at least 1, was " + replicationFactor);
      }
      kafka.configureLogging();
      try (var cluster = Cluster.of(kafka)) {
        cluster.requireReachable();
        var created =
            cluster.create(
                name,
                Optional.ofNullable(partitions),
                Optional.ofNullable(replicationFactor),
                configs,
                ifNotExists);
        var out = spec.commandLine().getOut();
        out.println(
            created
                .map(
                    topic ->
                        "created topic "
                            + name
                            + " ("
                            + plural(topic.partitions(), "partition")
                            + ", replication factor "
                            + topic.replicationFactor()
                            + ")")
                .orElse("topic " + name + " exists already"));
        out.flush();
      }
      return 0;
    }
  }

  /** {@code gregor topics describe NAME}. */
  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      versionProvider = Gregor.Version.class,
      description = {
        "Prints a topic's partitions (leader, replicas, in-sync replicas, first and end offsets)"
            + " and the settings it overrides."
      })
  static final class Describe implements Callable<Integer> {
    @Spec private CommandSpec spec;
    @Mixin private KafkaOptions kafka;

    @Parameters(paramLabel = "NAME", description = "The topic's name.")
    private String name;

    @Override
    public Integer call() {
      kafka.validate();
      kafka.configureLogging();
      try (var cluster = Cluster.of(kafka)) {
        var topic =
            cluster.requireReachable().describe(name).orElseThrow(() -> Cluster.noSuchTopic(name));
        var partitions = topic.partitions();
        var offsets =
            cluster.offsets(
                partitions.stream()
                    .map(p -> new TopicPartition(name, p.partition()))
                    .collect(Collectors.toSet()));
        var configs = cluster.overriddenConfigs(name);
        var out = spec.commandLine().getOut();
        out.printf(
            "%s: %s, replication factor %d%s, id %s%n",
            name,
            plural(partitions.size(), "partition"),
            partitions.getFirst().replicas().size(),
            topic.isInternal() ? ", internal" : "",
            topic.topicId());
        configs.forEach((key, value) -> out.printf("  config %s=%s%n", key, value));
        for (TopicPartitionInfo partition : partitions) {
          long[] range = offsets.get(new TopicPartition(name, partition.partition()));
          out.printf(
              "  partition %d: leader %s, replicas %s, in sync %s, offsets %d to %d%n",
              partition.partition(),
              partition.leader() == null || partition.leader().isEmpty()
                  ? "none"
                  : partition.leader().id(),
              ids(partition.replicas()),
              ids(partition.isr()),
              range[0],
              range[1]);
        }
        out.flush();
      }
      return 0;
    }

    private static String ids(java.util.List<Node> nodes) {
      return nodes.stream()
          .map(node -> Integer.toString(node.id()))
          .collect(Collectors.joining(",", "[", "]"));
    }
  }

  /** {@code gregor topics alter NAME}: more partitions, settings set or removed. */
  @Command(
      name = "alter",
      mixinStandardHelpOptions = true,
      versionProvider = Gregor.Version.class,
      description = "Adds partitions to a topic, and sets or removes its settings.")
  static final class Alter implements Callable<Integer> {
    @Spec private CommandSpec spec;
    @Mixin private KafkaOptions kafka;

    @Parameters(paramLabel = "NAME", description = "The topic's name.")
    private String name;

    @Option(
        names = {"-p", "--partitions"},
        paramLabel = "N",
        description = "Grow the topic to N partitions (Kafka cannot remove partitions).")
    private Integer partitions;

    @Option(
        names = {"-c", "--config"},
        paramLabel = "KEY=VALUE",
        description = "Set a topic setting (repeatable), e.g. --config retention.ms=86400000.")
    private Map<String, String> configs = new LinkedHashMap<>();

    @Option(
        names = "--delete-config",
        paramLabel = "KEY",
        description = "Remove a topic setting, back to the broker's default (repeatable).")
    private java.util.List<String> deleteConfigs = new java.util.ArrayList<>();

    @Override
    public Integer call() {
      kafka.validate();
      if (partitions == null && configs.isEmpty() && deleteConfigs.isEmpty()) {
        throw kafka.usage("give --partitions, --config or --delete-config");
      }
      if (partitions != null && partitions < 1) {
        throw kafka.usage("--partitions must be at least 1, was " + partitions);
      }
      kafka.configureLogging();
      try (var cluster = Cluster.of(kafka)) {
        cluster.requireReachable();
        var out = spec.commandLine().getOut();
        if (partitions != null) {
          int now =
              cluster
                  .describe(name)
                  .orElseThrow(() -> Cluster.noSuchTopic(name))
                  .partitions()
                  .size();
          if (partitions < now) {
            throw new CommandFailure(
                "topic '"
                    + name
                    + "' has "
                    + plural(now, "partition")
                    + "; Kafka cannot remove partitions");
          }
          if (partitions > now) {
            cluster.increasePartitions(name, partitions);
          }
          out.println("topic " + name + ": " + plural(partitions, "partition"));
        }
        if (!configs.isEmpty() || !deleteConfigs.isEmpty()) {
          cluster.alterConfigs(name, configs, deleteConfigs);
          configs.forEach((key, value) -> out.println("topic " + name + ": " + key + "=" + value));
          deleteConfigs.forEach(key -> out.println("topic " + name + ": " + key + " removed"));
        }
        out.flush();
      }
      return 0;
    }
  }

  /** {@code gregor topics delete NAME}. */
  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      versionProvider = Gregor.Version.class,
      description = "Deletes a topic and its records.")
  static final class Delete implements Callable<Integer> {
    @Spec private CommandSpec spec;
    @Mixin private KafkaOptions kafka;

    @Parameters(paramLabel = "NAME", description = "The topic's name.")
    private String name;

    @Option(names = "--if-exists", description = "Succeed when there is no such topic.")
    private boolean ifExists;

    @Override
    public Integer call() {
      kafka.validate();
      kafka.configureLogging();
      try (var cluster = Cluster.of(kafka)) {
        boolean deleted = cluster.requireReachable().delete(name, ifExists);
        var out = spec.commandLine().getOut();
        out.println(deleted ? "deleted topic " + name : "topic " + name + " does not exist");
        out.flush();
      }
      return 0;
    }
  }

  static String plural(long count, String noun) {
    return count + " " + noun + (count == 1 ? "" : "s");
  }
}
