package io.gregor;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A control operation. Send one on a producer's or consumer's control channel and its {@link
 * Event.Result} (or an {@link Event.Error}) arrives on the output channel; or call the matching
 * method on {@link Producer} or {@link Consumer}, which returns the result. Both go through the
 * same loop, in order.
 *
 * <p>{@code R} is the type of the result's value ({@link Void} when there is none). Which client
 * takes an operation is part of its type: {@link ProducerOperation}, {@link ConsumerOperation}.
 */
public sealed interface Operation<R> permits ProducerOperation, ConsumerOperation {

  /** The partitions of a topic, with their leaders and replicas. */
  record PartitionsFor(String topic)
      implements ProducerOperation<List<PartitionDetails>>,
          ConsumerOperation<List<PartitionDetails>> {}

  /** The client's metrics. */
  record Metrics()
      implements ProducerOperation<List<MetricValue>>, ConsumerOperation<List<MetricValue>> {}

  /**
   * Close: the result, then {@link Event.Eof}, then every channel is done. A producer first sends
   * what it has accepted (within the close timeout); a consumer commits what the reader received
   * (when it commits automatically).
   */
  record Close() implements ProducerOperation<Void>, ConsumerOperation<Void> {}

  /**
   * Producer: completes after every message accepted before it has been acknowledged by the broker
   * or has failed.
   */
  record Flush() implements ProducerOperation<Void> {}

  /**
   * Producer (transactional, {@code transactional.id} set): starts a transaction. Messages the
   * producer takes from its input after this, up to the commit or abort, belong to it; a message
   * taken while no transaction is open is not sent ({@link ErrorKind#NOT_SENT}).
   */
  record BeginTransaction() implements ProducerOperation<Void> {}

  /**
   * Producer (transactional): adds the consumer offsets to the open transaction, so that they are
   * committed with its messages, atomically. Each offset is that of the next record to read; {@code
   * groupMetadata} is the consumer's ({@link Consumer#groupMetadata()}), which lets the broker
   * refuse offsets from a consumer that is no longer in the group's current generation.
   */
  record SendOffsetsToTransaction(
      Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata)
      implements ProducerOperation<Void> {
    public SendOffsetsToTransaction {
      offsets = Map.copyOf(offsets);
      Objects.requireNonNull(groupMetadata, "groupMetadata");
    }
  }

  /**
   * Producer (transactional): commits the open transaction: every message accepted on the input
   * before this operation (whose {@code send} returned before it was sent or called), and the
   * offsets sent to it. Fails, leaving the transaction open to be aborted, when any of those
   * messages was not sent.
   */
  record CommitTransaction() implements ProducerOperation<Void> {}

  /**
   * Producer (transactional): aborts the open transaction; readers with {@code
   * isolation.level=read_committed} never see its messages, and its offsets are not committed.
   */
  record AbortTransaction() implements ProducerOperation<Void> {}

  /**
   * Consumer: the group metadata (group id, generation, member id) that {@link
   * SendOffsetsToTransaction} takes; needs a group id.
   */
  record GroupMetadata() implements ConsumerOperation<ConsumerGroupMetadata> {}

  /** Consumer: subscribe (replacing the current subscription). */
  record Subscribe(Topics topics) implements ConsumerOperation<Void> {
    public Subscribe {
      Objects.requireNonNull(topics, "topics");
    }
  }

  /** Consumer: drop the subscription (and the partitions it brought). */
  record Unsubscribe() implements ConsumerOperation<Void> {}

  /**
   * Consumer: the topics subscribed to (for a pattern subscription, the topics it has matched so
   * far); empty when there is no subscription.
   */
  record Subscriptions() implements ConsumerOperation<Set<String>> {}

  /**
   * Consumer: commit offsets synchronously. With no offsets, commits everything the reader has
   * received from the output channel (never past a record still in the channel's buffer); otherwise
   * exactly the given offsets (the offset of the next record to read, plus optional metadata). The
   * result is what was committed.
   */
  record Commit(Map<TopicPartition, OffsetAndMetadata> offsets)
      implements ConsumerOperation<Map<TopicPartition, OffsetAndMetadata>> {
    public Commit {
      offsets = Map.copyOf(offsets);
    }

    /** Commit everything the reader has received. */
    public Commit() {
      this(Map.of());
    }
  }

  /** Consumer: the group's committed offsets for these partitions (absent when none). */
  record Committed(Set<TopicPartition> partitions)
      implements ConsumerOperation<Map<TopicPartition, OffsetAndMetadata>> {
    public Committed {
      partitions = Set.copyOf(partitions);
    }
  }

  /** Consumer: the partitions assigned now. */
  record Assignment() implements ConsumerOperation<Set<TopicPartition>> {}

  /** Consumer: take these partitions by hand (no group management). */
  record Assign(Set<TopicPartition> partitions) implements ConsumerOperation<Void> {
    public Assign {
      partitions = Set.copyOf(partitions);
    }
  }

  /** Consumer: the next record read from {@code partition} will be the one at {@code offset}. */
  record Seek(TopicPartition partition, long offset) implements ConsumerOperation<Void> {
    public Seek {
      Objects.requireNonNull(partition, "partition");
    }
  }

  /** Consumer: go back to the first offset of these partitions (all assigned ones when empty). */
  record SeekToBeginning(Set<TopicPartition> partitions) implements ConsumerOperation<Void> {
    public SeekToBeginning {
      partitions = Set.copyOf(partitions);
    }
  }

  /** Consumer: skip to the end of these partitions (all assigned ones when empty). */
  record SeekToEnd(Set<TopicPartition> partitions) implements ConsumerOperation<Void> {
    public SeekToEnd {
      partitions = Set.copyOf(partitions);
    }
  }

  /**
   * Consumer: go to the first record at or after {@code timestamp} in these partitions (all
   * assigned ones when empty); to the end where there is none. The result maps each partition to
   * the offset sought.
   */
  record SeekToTimestamp(Set<TopicPartition> partitions, Instant timestamp)
      implements ConsumerOperation<Map<TopicPartition, Long>> {
    public SeekToTimestamp {
      partitions = Set.copyOf(partitions);
      Objects.requireNonNull(timestamp, "timestamp");
    }
  }

  /** Consumer: the offset of the next record that will be fetched from {@code partition}. */
  record Position(TopicPartition partition) implements ConsumerOperation<Long> {
    public Position {
      Objects.requireNonNull(partition, "partition");
    }
  }

  /** Consumer: stop fetching from these partitions until resumed. */
  record Pause(Set<TopicPartition> partitions) implements ConsumerOperation<Void> {
    public Pause {
      partitions = Set.copyOf(partitions);
    }
  }

  /** Consumer: fetch again from partitions paused with {@link Pause}. */
  record Resume(Set<TopicPartition> partitions) implements ConsumerOperation<Void> {
    public Resume {
      partitions = Set.copyOf(partitions);
    }
  }

  /** Consumer: the partitions paused with {@link Pause}. */
  record Paused() implements ConsumerOperation<Set<TopicPartition>> {}

  /** Consumer: the end offsets of these partitions (all assigned ones when empty). */
  record EndOffsets(Set<TopicPartition> partitions)
      implements ConsumerOperation<Map<TopicPartition, Long>> {
    public EndOffsets {
      partitions = Set.copyOf(partitions);
    }
  }

  /**
   * Consumer: how many records each assigned partition has beyond the consumer's position (end
   * offset minus position).
   */
  record Lag() implements ConsumerOperation<Map<TopicPartition, Long>> {}

  /** Consumer: every topic the cluster has, with its partitions. */
  record ListTopics() implements ConsumerOperation<Map<String, List<PartitionDetails>>> {}
}
