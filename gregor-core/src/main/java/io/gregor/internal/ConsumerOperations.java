package io.gregor.internal;

import io.gregor.ErrorKind;
import io.gregor.Failure;
import io.gregor.Operation;
import io.gregor.PartitionDetails;
import io.gregor.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's operations, run on the poll loop's thread: each becomes a call of the Kafka
 * consumer, and commits take what the {@link CommitTracker} allows.
 *
 * <p>Kafka calls here may be cut short by a wakeup meant for poll (the loop wakes Kafka only while
 * it polls, so at most one stray wakeup follows each poll); they are run again, within one bound
 * for the whole call, so that a stream of operations can never keep a commit from finishing.
 */
final class ConsumerOperations {
  private static final Logger log = LoggerFactory.getLogger(ConsumerOperations.class);

  private final KafkaConsumer<Object, Object> consumer;
  private final CommitTracker tracker;
  private final FlowControl flow;
  private final RecordPipeline<?, ?, ?> pipeline;
  private final ConsumerRebalanceListener listener;
  private final LongSupplier taken;
  private final boolean hasGroup;
  private final boolean commitsReceived;
  private final Duration apiTimeout;

  /** The current subscription, or {@code null} when there is none. */
  private Topics subscription;

  /**
   * @param taken how many events readers have taken from the output
   * @param commitsReceived whether Gregor commits what was received itself (automatic commits on)
   * @param apiTimeout the bound of each Kafka call ({@code default.api.timeout.ms})
   */
  ConsumerOperations(
      KafkaConsumer<Object, Object> consumer,
      CommitTracker tracker,
      FlowControl flow,
      RecordPipeline<?, ?, ?> pipeline,
      ConsumerRebalanceListener listener,
      LongSupplier taken,
      boolean hasGroup,
      boolean commitsReceived,
      Duration apiTimeout) {
    this.consumer = consumer;
    this.tracker = tracker;
    this.flow = flow;
    this.pipeline = pipeline;
    this.listener = listener;
    this.taken = taken;
    this.hasGroup = hasGroup;
    this.commitsReceived = commitsReceived;
    this.apiTimeout = apiTimeout;
  }

  /** An operation refused before Kafka was asked: a failure with its own kind and message. */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Failure failure;

    Refused(ErrorKind kind, String message, Operation<?> operation) {
      super(message, null, false, false);
      this.failure = new Failure(kind, message, null, operation);
    }

    Failure failure() {
      return failure;
    }
  }

  /** Whether there is a subscription or an assignment to poll. */
  boolean hasPartitionsToPoll() {
    return subscription != null || !consumer.assignment().isEmpty();
  }

  /** The failure kind of an exception Kafka threw for an operation. */
  static ErrorKind kindOf(RuntimeException e) {
    return switch (e) {
      case AuthorizationException _ -> ErrorKind.AUTHORIZATION;
      case AuthenticationException _ -> ErrorKind.AUTHENTICATION;
      case IllegalStateException s when needsAssignment(s.getMessage()) ->
          ErrorKind.NO_SUBSCRIPTION;
      case IllegalStateException _ -> ErrorKind.INVALID_OPERATION;
      case IllegalArgumentException _ -> ErrorKind.INVALID_OPERATION;
      default -> ErrorKind.OPERATION_FAILED;
    };
  }

  /** Whether Kafka refused an operation on a partition this consumer has not been assigned. */
  private static boolean needsAssignment(String message) {
    return message != null
        && (message.contains("No current assignment")
            || message.contains("assigned to this consumer")
            || message.contains("not subscribed"));
  }

  /**
   * Runs {@code call} with what is left of {@code timeout}, again when a stray wakeup cut it short.
   *
   * @throws TimeoutException when the time is up
   */
  static <R> R withinTimeout(Duration timeout, Function<Duration, R> call) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        return call.apply(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      } catch (WakeupException e) {
        if (System.nanoTime() - deadline >= 0) {
          throw new TimeoutException(
              "woken up repeatedly until the time (" + timeout + ") ran out");
        }
        log.trace("a wakeup meant for poll interrupted another call; running it again");
      }
    }
  }

  private <R> R bounded(Function<Duration, R> call) {
    return withinTimeout(apiTimeout, call);
  }

  /** Subscribes with the loop's rebalance listener. */
  void subscribe(Topics topics) {
    switch (topics) {
      case Topics.Names(List<String> names) -> consumer.subscribe(names, listener);
      case Topics.Matching(var pattern) -> consumer.subscribe(pattern, listener);
    }
    subscription = topics; // only once Kafka has taken it
  }

  /** Runs {@code operation} (not close) and returns its result. */
  Object perform(Operation<?> operation) {
    return switch (operation) {
      case Operation.Subscribe(Topics topics) -> {
        if (topics == null) {
          throw new Refused(ErrorKind.INVALID_OPERATION, "subscribe needs topics", operation);
        }
        if (!hasGroup) {
          throw new Refused(
              ErrorKind.INVALID_OPERATION,
              "subscribe needs a group id ('group.id'); without one, use Assign",
              operation);
        }
        subscribe(topics);
        yield null;
      }
      case Operation.Unsubscribe() -> {
        Set<TopicPartition> assigned = new HashSet<>(consumer.assignment());
        commitReceived(assigned, apiTimeout);
        consumer.unsubscribe();
        subscription = null;
        gone(assigned);
        yield null;
      }
      case Operation.Subscriptions() -> Set.copyOf(consumer.subscription());
      case Operation.PartitionsFor(String topic) -> {
        if (topic == null || topic.isBlank()) {
          throw new Refused(ErrorKind.INVALID_OPERATION, "partitions-for needs a topic", operation);
        }
        yield KafkaData.partitions(bounded(left -> consumer.partitionsFor(topic, left)));
      }
      case Operation.Metrics() -> KafkaData.metrics(consumer.metrics());
      case Operation.GroupMetadata() -> {
        if (!hasGroup) {
          throw new Refused(
              ErrorKind.INVALID_OPERATION,
              "group-metadata needs a group id ('group.id')",
              operation);
        }
        yield consumer.groupMetadata();
      }
      case Operation.Commit(Map<TopicPartition, OffsetAndMetadata> offsets) ->
          commit(offsets, operation);
      case Operation.Committed(Set<TopicPartition> partitions) -> {
        requireNonEmpty(partitions, operation);
        Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
        bounded(left -> consumer.committed(partitions, left))
            .forEach(
                (partition, offset) -> {
                  if (offset != null) {
                    committed.put(partition, offset);
                  }
                });
        yield Map.copyOf(committed);
      }
      case Operation.Assignment() -> Set.copyOf(consumer.assignment());
      case Operation.Assign(Set<TopicPartition> partitions) -> {
        Set<TopicPartition> dropped = new HashSet<>(consumer.assignment());
        dropped.removeAll(partitions);
        if (subscription == null) {
          commitReceived(dropped, apiTimeout);
        }
        consumer.assign(partitions); // throws while subscribed: then nothing is forgotten
        subscription = null; // assigned by hand now (an empty assignment also unsubscribes)
        gone(dropped);
        yield null;
      }
      case Operation.Seek(TopicPartition partition, long offset) -> {
        if (offset < 0) {
          throw new Refused(
              ErrorKind.INVALID_OPERATION,
              "seek needs an offset of 0 or more, was " + offset,
              operation);
        }
        consumer.seek(partition, offset);
        sought(Set.of(partition));
        yield null;
      }
      case Operation.SeekToBeginning(Set<TopicPartition> partitions) -> {
        Set<TopicPartition> sought = orAssigned(partitions, operation);
        consumer.seekToBeginning(sought);
        sought(sought);
        yield null;
      }
      case Operation.SeekToEnd(Set<TopicPartition> partitions) -> {
        Set<TopicPartition> sought = orAssigned(partitions, operation);
        consumer.seekToEnd(sought);
        sought(sought);
        yield null;
      }
      case Operation.SeekToTimestamp(Set<TopicPartition> partitions, Instant timestamp) ->
          seekToTimestamp(orAssigned(partitions, operation), timestamp);
      case Operation.Position(TopicPartition partition) ->
          bounded(left -> consumer.position(partition, left));
      case Operation.Pause(Set<TopicPartition> partitions) -> {
        flow.pause(partitions); // Kafka checks the assignment first
        yield null;
      }
      case Operation.Resume(Set<TopicPartition> partitions) -> {
        flow.resume(partitions);
        yield null;
      }
      case Operation.Paused() -> flow.userPaused();
      case Operation.EndOffsets(Set<TopicPartition> partitions) -> {
        Set<TopicPartition> asked = orAssigned(partitions, operation);
        yield Map.copyOf(bounded(left -> consumer.endOffsets(asked, left)));
      }
      case Operation.Lag() -> lag(operation);
      case Operation.ListTopics() -> {
        Map<String, List<PartitionDetails>> topics = new HashMap<>();
        bounded(consumer::listTopics)
            .forEach((topic, infos) -> topics.put(topic, KafkaData.partitions(infos)));
        yield Map.copyOf(topics);
      }
      default ->
          throw new Refused(
              ErrorKind.INVALID_OPERATION, "a consumer does not take " + operation, operation);
    };
  }

  private Map<TopicPartition, Long> lag(Operation<?> operation) {
    Set<TopicPartition> assigned = consumer.assignment();
    if (assigned.isEmpty()) {
      throw new Refused(
          ErrorKind.NO_SUBSCRIPTION, "lag needs assigned partitions; there are none", operation);
    }
    Map<TopicPartition, Long> ends = bounded(left -> consumer.endOffsets(assigned, left));
    Map<TopicPartition, Long> lag = new HashMap<>();
    for (TopicPartition partition : assigned) {
      long position = bounded(left -> consumer.position(partition, left));
      lag.put(partition, Math.max(0, ends.getOrDefault(partition, 0L) - position));
    }
    return Map.copyOf(lag);
  }

  /** Partitions no longer assigned: nothing of theirs is committed or fetched any more. */
  void gone(Set<TopicPartition> partitions) {
    pipeline.drop(partitions);
    tracker.forget(partitions);
    flow.forget(partitions);
  }

  private void sought(Set<TopicPartition> partitions) {
    pipeline.drop(partitions);
    tracker.sought(partitions);
  }

  private static void requireNonEmpty(Set<TopicPartition> partitions, Operation<?> operation) {
    if (partitions.isEmpty()) {
      throw new Refused(
          ErrorKind.INVALID_OPERATION, operation + " needs at least one partition", operation);
    }
  }

  private Set<TopicPartition> orAssigned(Set<TopicPartition> partitions, Operation<?> operation) {
    if (!partitions.isEmpty()) {
      return partitions;
    }
    Set<TopicPartition> assigned = consumer.assignment();
    if (assigned.isEmpty()) {
      throw new Refused(
          ErrorKind.NO_SUBSCRIPTION,
          operation + " with no partitions named needs assigned partitions; there are none",
          operation);
    }
    return Set.copyOf(assigned);
  }

  private Map<TopicPartition, OffsetAndMetadata> commit(
      Map<TopicPartition, OffsetAndMetadata> offsets, Operation<?> operation) {
    if (!hasGroup) {
      throw new Refused(
          ErrorKind.INVALID_OPERATION, "commit needs a group id ('group.id')", operation);
    }
    if (!offsets.isEmpty()) {
      commitSync(offsets, apiTimeout);
      return offsets;
    }
    if (!hasPartitionsToPoll()) {
      throw new Refused(
          ErrorKind.NO_SUBSCRIPTION,
          "commit needs a subscription or assigned partitions; there are none",
          operation);
    }
    Map<TopicPartition, OffsetAndMetadata> received = uncommitted();
    if (!received.isEmpty()) {
      commitSync(received, apiTimeout);
    }
    return Map.copyOf(received);
  }

  /** What the reader has received and was not yet committed, for assigned partitions. */
  Map<TopicPartition, OffsetAndMetadata> uncommitted() {
    return tracker.uncommitted(taken.getAsLong(), consumer.assignment());
  }

  /**
   * Commits synchronously what the reader received of {@code partitions}, when Gregor commits
   * (automatic commits on); for revocation, unsubscribe, assign and close.
   *
   * @throws RuntimeException when Kafka fails the commit
   */
  void commitReceived(Set<TopicPartition> partitions, Duration timeout) {
    if (!commitsReceived || !hasGroup) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = uncommitted();
    offsets.keySet().retainAll(partitions);
    if (!offsets.isEmpty()) {
      commitSync(offsets, timeout);
    }
  }

  private void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
    withinTimeout(
        timeout,
        left -> {
          consumer.commitSync(offsets, left);
          return null;
        });
    tracker.committed(offsets);
  }

  private Map<TopicPartition, Long> seekToTimestamp(
      Set<TopicPartition> partitions, Instant timestamp) {
    try {
      return seekEachToTimestamp(partitions, timestamp);
    } finally {
      sought(partitions); // also when it failed halfway: some may have moved
    }
  }

  private Map<TopicPartition, Long> seekEachToTimestamp(
      Set<TopicPartition> partitions, Instant timestamp) {
    Map<TopicPartition, Long> query = new HashMap<>();
    partitions.forEach(partition -> query.put(partition, timestamp.toEpochMilli()));
    Map<TopicPartition, OffsetAndTimestamp> found =
        bounded(left -> consumer.offsetsForTimes(query, left));
    Set<TopicPartition> toEnd = new HashSet<>();
    Map<TopicPartition, Long> sought = new HashMap<>();
    for (TopicPartition partition : partitions) {
      OffsetAndTimestamp offset = found.get(partition);
      if (offset == null) {
        toEnd.add(partition);
      } else {
        consumer.seek(partition, offset.offset());
        sought.put(partition, offset.offset());
      }
    }
    if (!toEnd.isEmpty()) {
      Map<TopicPartition, Long> ends = bounded(left -> consumer.endOffsets(toEnd, left));
      for (TopicPartition partition : toEnd) {
        long end = ends.get(partition);
        consumer.seek(partition, end);
        sought.put(partition, end);
      }
    }
    return Map.copyOf(sought);
  }
}
