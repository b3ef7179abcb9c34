package io.gregor.faults;

import io.gregor.faults.Entry.Consumed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Two consumer children's reads ({@code child-1}, killed, then {@code child-2}), judged against the
 * group's offsets committed when child-1 died; and reading those offsets with an Admin client.
 */
final class ReadsAcrossKill {
  private final List<Consumed> first = new ArrayList<>();
  private final List<Consumed> second = new ArrayList<>();
  private final Map<TopicPartition, Long> committed;

  ReadsAcrossKill(List<Consumed> reads, Map<TopicPartition, Long> committed) {
    this.committed = committed;
    for (Consumed read : reads) {
      (read.consumer().equals("child-1") ? first : second).add(read);
    }
  }

  /** The committed offset of {@code partition}; 0 (the earliest) if there was none. */
  private long committed(int partition) {
    return committed.entrySet().stream()
        .filter(e -> e.getKey().partition() == partition)
        .mapToLong(Map.Entry::getValue)
        .findFirst()
        .orElse(0);
  }

  /** Ids child-1 read at or after the committed offset: received, not committed. */
  Set<String> uncommitted() {
    Set<String> ids = new HashSet<>();
    for (Consumed read : first) {
      if (read.offset() >= committed(read.partition())) {
        ids.add(read.id());
      }
    }
    return ids;
  }

  /** Child-2's reads of records before the committed offset of their partition. */
  List<String> secondBelowCommitted() {
    return second.stream()
        .filter(read -> read.offset() < committed(read.partition()))
        .map(read -> read.id() + " at " + read.partition() + "@" + read.offset())
        .toList();
  }

  /** child-1's reads. */
  List<Consumed> first() {
    return first;
  }

  static Admin admin(String bootstrap) {
    return Admin.create(
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
  }

  /** The group's committed offsets, by partition (none if the group has not committed). */
  static Map<TopicPartition, Long> committed(Admin admin, String group) {
    try {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS);
      Map<TopicPartition, Long> result = new HashMap<>();
      offsets.forEach(
          (partition, offset) -> {
            if (offset != null) {
              result.put(partition, offset.offset());
            }
          });
      return result;
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("cannot read the committed offsets of " + group, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while reading the committed offsets", e);
    }
  }
}
