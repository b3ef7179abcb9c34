package io.gregor.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Kafka's Admin client with the command line's manners: every call is bounded by {@code --timeout},
 * and every failure becomes a {@link CommandFailure} with one line saying what went wrong (an
 * unreachable broker, a topic that does not exist, what Kafka refused).
 */
final class Cluster implements AutoCloseable {
  /** Extra time for a call beyond Kafka's own timeout, so that Kafka reports first. */
  private static final Duration SLACK = Duration.ofSeconds(2);

  private final Admin admin;
  private final String bootstrap;
  private final Duration timeout;
  private final boolean tls;

  private Cluster(Admin admin, String bootstrap, Duration timeout, boolean tls) {
    this.admin = admin;
    this.bootstrap = bootstrap;
    this.timeout = timeout;
    this.tls = tls;
  }

  /** An Admin client for the options' cluster; nothing is contacted yet. */
  static Cluster of(KafkaOptions options) {
    try {
      var config = options.admin();
      String protocol = String.valueOf(config.getOrDefault("security.protocol", "PLAINTEXT"));
      boolean tls = protocol.equalsIgnoreCase("SSL") || protocol.equalsIgnoreCase("SASL_SSL");
      return new Cluster(Admin.create(config), options.bootstrap(), options.timeout(), tls);
    } catch (KafkaException e) {
      throw new CommandFailure(
          "cannot use --bootstrap " + options.bootstrap() + ": " + rootMessage(e));
    }
  }

  /**
   * Checks that the cluster answers within the timeout.
   *
   * @throws CommandFailure naming the address and the timeout when it does not
   */
  Cluster requireReachable() {
    Collection<Node> nodes = await(admin.describeCluster().nodes(), "reach Kafka");
    if (nodes.isEmpty()) {
      throw new CommandFailure("Kafka at " + bootstrap + " answered, but reports no brokers");
    }
    return this;
  }

  /** The topic, or empty when it does not exist. */
  Optional<TopicDescription> describe(String topic) {
    try {
      return Optional.of(
          await(admin.describeTopics(List.of(topic)).allTopicNames(), "describe topic " + topic)
              .get(topic));
    } catch (UnknownTopic e) {
      return Optional.empty();
    }
  }

  /**
   * Checks that a client can use {@code topic}: it exists, or the broker creates topics on first
   * use ({@code auto.create.topics.enable}).
   *
   * @return its partitions, or empty when it will be created on first use
   * @throws CommandFailure when it does not exist and will not be created
   */
  Optional<Integer> requireUsable(String topic) {
    var description = describe(topic);
    if (description.isPresent()) {
      return Optional.of(description.get().partitions().size());
    }
    if (autoCreatesTopics()) {
      return Optional.empty();
    }
    throw new CommandFailure(
        "topic '"
            + topic
            + "' does not exist, and the broker does not create topics automatically;"
            + " create it with: gregor topics create "
            + topic);
  }

  /**
   * Whether the broker creates topics on first use. When the broker will not say (no permission to
   * describe its configuration), assumes it does and lets the clients find out.
   */
  boolean autoCreatesTopics() {
    try {
      var nodes = await(admin.describeCluster().nodes(), "reach Kafka");
      if (nodes.isEmpty()) {
        return true;
      }
      var broker =
          new ConfigResource(
              ConfigResource.Type.BROKER, Integer.toString(nodes.iterator().next().id()));
      Map<ConfigResource, Config> configs =
          await(admin.describeConfigs(List.of(broker)).all(), "describe the broker");
      ConfigEntry entry = configs.get(broker).get("auto.create.topics.enable");
      return entry == null || entry.value() == null || Boolean.parseBoolean(entry.value());
    } catch (CommandFailure e) {
      return true;
    }
  }

  /** The names of the cluster's topics (internal ones too when asked), sorted. */
  List<String> list(boolean internal) {
    var names =
        await(
            admin.listTopics(new ListTopicsOptions().listInternal(internal)).names(),
            "list topics");
    return names.stream().sorted().toList();
  }

  /** A topic as created: its partitions and replication factor. */
  record Created(int partitions, int replicationFactor) {}

  /** Creates a topic; empty when it existed already and that was allowed. */
  Optional<Created> create(
      String name,
      Optional<Integer> partitions,
      Optional<Short> replicationFactor,
      Map<String, String> configs,
      boolean ifNotExists) {
    try {
      var result =
          admin.createTopics(
              List.of(new NewTopic(name, partitions, replicationFactor).configs(configs)));
      await(result.all(), "create topic " + name);
      return Optional.of(
          new Created(
              await(result.numPartitions(name), "create topic " + name),
              await(result.replicationFactor(name), "create topic " + name)));
    } catch (TopicExists e) {
      if (ifNotExists) {
        return Optional.empty();
      }
      throw new CommandFailure("topic '" + name + "' already exists");
    }
  }

  /**
   * Deletes a topic; returns whether it was deleted (false: it did not exist, which was allowed).
   */
  boolean delete(String name, boolean ifExists) {
    try {
      await(admin.deleteTopics(List.of(name)).all(), "delete topic " + name);
      return true;
    } catch (UnknownTopic e) {
      if (ifExists) {
        return false;
      }
      throw noSuchTopic(name);
    }
  }

  /** The topic's settings that differ from the broker's defaults, by name. */
  Map<String, String> overriddenConfigs(String topic) {
    var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    Config config;
    try {
      config =
          await(admin.describeConfigs(List.of(resource)).all(), "describe topic " + topic)
              .get(resource);
    } catch (UnknownTopic e) {
      throw noSuchTopic(topic);
    }
    Map<String, String> overridden = new TreeMap<>();
    for (ConfigEntry entry : config.entries()) {
      if (entry.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
        overridden.put(entry.name(), entry.isSensitive() ? "(sensitive)" : entry.value());
      }
    }
    return overridden;
  }

  /** First and end offsets of these partitions. */
  Map<TopicPartition, long[]> offsets(Set<TopicPartition> partitions) {
    Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (TopicPartition partition : partitions) {
      earliest.put(partition, OffsetSpec.earliest());
      latest.put(partition, OffsetSpec.latest());
    }
    var first = await(admin.listOffsets(earliest).all(), "list offsets");
    var end = await(admin.listOffsets(latest).all(), "list offsets");
    Map<TopicPartition, long[]> offsets = new HashMap<>();
    for (TopicPartition partition : partitions) {
      offsets.put(
          partition, new long[] {first.get(partition).offset(), end.get(partition).offset()});
    }
    return offsets;
  }

  /** The cluster as a whole: its id, the controller's id (-1 when unknown), the brokers. */
  record Brokers(String clusterId, int controller, List<Node> nodes) {}

  /** The cluster's id, controller and brokers (sorted by id). */
  Brokers brokers() {
    var described = admin.describeCluster();
    var nodes = await(described.nodes(), "describe the cluster");
    var controller = await(described.controller(), "describe the cluster");
    return new Brokers(
        await(described.clusterId(), "describe the cluster"),
        controller == null ? -1 : controller.id(),
        nodes.stream().sorted(java.util.Comparator.comparingInt(Node::id)).toList());
  }

  /** Grows a topic to {@code partitions} partitions. */
  void increasePartitions(String topic, int partitions) {
    try {
      await(
          admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(partitions))).all(),
          "add partitions to topic " + topic);
    } catch (UnknownTopic e) {
      throw noSuchTopic(topic);
    }
  }

  /** Sets and removes topic settings. */
  void alterConfigs(String topic, Map<String, String> set, List<String> delete) {
    var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    List<AlterConfigOp> ops = new ArrayList<>();
    set.forEach(
        (key, value) ->
            ops.add(new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET)));
    delete.forEach(
        key -> ops.add(new AlterConfigOp(new ConfigEntry(key, null), AlterConfigOp.OpType.DELETE)));
    try {
      await(
          admin.incrementalAlterConfigs(Map.of(resource, ops)).all(),
          "change the settings of topic " + topic);
    } catch (UnknownTopic e) {
      throw noSuchTopic(topic);
    }
  }

  /** A consumer group as listed. */
  record Group(String id, String state) {}

  /** The cluster's consumer groups, sorted by id. */
  List<Group> groups() {
    var listings =
        await(admin.listGroups(ListGroupsOptions.forConsumerGroups()).all(), "list groups");
    return listings.stream()
        .map(g -> new Group(g.groupId(), g.groupState().map(Object::toString).orElse("Unknown")))
        .sorted(java.util.Comparator.comparing(Group::id))
        .toList();
  }

  /** A consumer group's state and who holds which partition. */
  record GroupMembers(String state, int members, Map<TopicPartition, String> owners) {}

  /** The group's state and members. */
  GroupMembers members(String group) {
    ConsumerGroupDescription description =
        await(admin.describeConsumerGroups(List.of(group)).all(), "describe group " + group)
            .get(group);
    Map<TopicPartition, String> owners = new HashMap<>();
    for (var member : description.members()) {
      member.assignment().topicPartitions().forEach(p -> owners.put(p, member.clientId()));
    }
    return new GroupMembers(
        description.groupState().toString(), description.members().size(), owners);
  }

  /** The group's committed offsets (partitions it has committed nothing for are absent). */
  Map<TopicPartition, Long> committed(String group) {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    await(
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(),
            "list the offsets of group " + group)
        .forEach(
            (partition, offset) -> {
              if (offset != null) {
                offsets.put(partition, offset.offset());
              }
            });
    return offsets;
  }

  /** The offsets of these partitions that {@code spec} names (the end when a time is past all). */
  Map<TopicPartition, Long> offsetsAt(Set<TopicPartition> partitions, OffsetSpec spec) {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    partitions.forEach(p -> request.put(p, spec));
    var found = await(admin.listOffsets(request).all(), "list offsets");
    var ends =
        spec instanceof OffsetSpec.TimestampSpec
            ? offsetsAt(partitions, OffsetSpec.latest())
            : Map.<TopicPartition, Long>of();
    Map<TopicPartition, Long> offsets = new HashMap<>();
    found.forEach(
        (partition, info) ->
            offsets.put(partition, info.offset() < 0 ? ends.get(partition) : info.offset()));
    return offsets;
  }

  /** Sets the group's committed offsets. */
  void alterOffsets(String group, Map<TopicPartition, Long> offsets) {
    Map<TopicPartition, OffsetAndMetadata> request = new HashMap<>();
    offsets.forEach((partition, offset) -> request.put(partition, new OffsetAndMetadata(offset)));
    await(
        admin.alterConsumerGroupOffsets(group, request).all(), "set the offsets of group " + group);
  }

  static CommandFailure noSuchTopic(String topic) {
    return new CommandFailure("topic '" + topic + "' does not exist");
  }

  /** The message for a cluster that did not answer in time. */
  static String unreachable(String bootstrap, Duration timeout) {
    return "cannot reach Kafka at "
        + bootstrap
        + " within "
        + Durations.format(timeout)
        + " (is a broker running there? ./gregor broker starts one; --timeout waits longer)";
  }

  /** Why the cluster did not answer: TLS that failed, when that is it. */
  private String unreachable() {
    return (tls ? TlsProbe.failure(bootstrap, timeout) : java.util.Optional.<String>empty())
        .orElseGet(() -> unreachable(bootstrap, timeout));
  }

  /**
   * Waits for a result, at most the timeout (and a little slack: Kafka's own timeout should fire
   * first, with its own message).
   */
  private <T> T await(KafkaFuture<T> future, String what) {
    try {
      return future.get(timeout.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandFailure("interrupted while trying to " + what);
    } catch (TimeoutException e) {
      throw new CommandFailure(unreachable());
    } catch (ExecutionException e) {
      throw translate(e.getCause(), what);
    }
  }

  private RuntimeException translate(Throwable cause, String what) {
    return switch (cause) {
      case UnknownTopicOrPartitionException _ -> new UnknownTopic();
      case TopicExistsException _ -> new TopicExists();
      case org.apache.kafka.common.errors.TimeoutException _ -> new CommandFailure(unreachable());
      case null -> new CommandFailure("could not " + what);
      default -> new CommandFailure("could not " + what + ": " + rootMessage(cause));
    };
  }

  /** The innermost message, which is usually the one that says what happened. */
  static String rootMessage(Throwable e) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    for (Throwable t : chain.reversed()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage();
      }
    }
    return e.getClass().getSimpleName();
  }

  /** Internal signal: the topic does not exist (callers decide what that means). */
  private static final class UnknownTopic extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnknownTopic() {
      super(null, null, false, false);
    }
  }

  /** Internal signal: the topic exists already. */
  private static final class TopicExists extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TopicExists() {
      super(null, null, false, false);
    }
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }
}
