package io.gregor;

import java.util.List;

/**
 * A partition of a topic and where its replicas live (the answer to {@link
 * Operation.PartitionsFor}).
 *
 * @param leader the leader, or {@code null} when the partition has none right now
 */
public record PartitionDetails(
    String topic,
    int partition,
    BrokerNode leader,
    List<BrokerNode> replicas,
    List<BrokerNode> inSyncReplicas,
    List<BrokerNode> offlineReplicas) {

  public PartitionDetails {
    replicas = List.copyOf(replicas);
    inSyncReplicas = List.copyOf(inSyncReplicas);
    offlineReplicas = List.copyOf(offlineReplicas);
  }

  /** A broker. {@code rack} is {@code null} when none is configured. */
  public record BrokerNode(int id, String host, int port, String rack) {}
}
