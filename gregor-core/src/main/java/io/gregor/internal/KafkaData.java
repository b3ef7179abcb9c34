package io.gregor.internal;

import io.gregor.Header;
import io.gregor.MetricValue;
import io.gregor.PartitionDetails;
import io.gregor.PartitionDetails.BrokerNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Conversions between the Kafka client's types and Gregor's records. */
public final class KafkaData {
  private KafkaData() {}

  /** Partition infos as data. */
  public static List<PartitionDetails> partitions(List<PartitionInfo> infos) {
    if (infos == null) {
      return List.of();
    }
    List<PartitionDetails> details = new ArrayList<>(infos.size());
    for (PartitionInfo info : infos) {
      details.add(
          new PartitionDetails(
              info.topic(),
              info.partition(),
              node(info.leader()),
              nodes(info.replicas()),
              nodes(info.inSyncReplicas()),
              nodes(info.offlineReplicas())));
    }
    details.sort(java.util.Comparator.comparingInt(PartitionDetails::partition));
    return List.copyOf(details);
  }

  private static BrokerNode node(Node node) {
    return node == null || node.isEmpty()
        ? null
        : new BrokerNode(node.id(), node.host(), node.port(), node.rack());
  }

  private static List<BrokerNode> nodes(Node[] nodes) {
    return nodes == null
        ? List.of()
        : Arrays.stream(nodes).map(KafkaData::node).filter(n -> n != null).toList();
  }

  /** Client metrics as data, sorted by group and name. */
  public static List<MetricValue> metrics(Map<MetricName, ? extends Metric> metrics) {
    List<MetricValue> values = new ArrayList<>(metrics.size());
    metrics.forEach(
        (name, metric) ->
            values.add(
                new MetricValue(name.group(), name.name(), name.tags(), metric.metricValue())));
    values.sort(
        java.util.Comparator.comparing(MetricValue::group).thenComparing(MetricValue::name));
    return List.copyOf(values);
  }

  /** Gregor headers as Kafka headers (or {@code null} when there are none). */
  public static Headers toKafka(List<Header> headers) {
    if (headers.isEmpty()) {
      return null;
    }
    RecordHeaders kafka = new RecordHeaders();
    for (Header header : headers) {
      kafka.add(new RecordHeader(header.key(), header.value()));
    }
    return kafka;
  }

  /** Kafka headers as Gregor headers. */
  public static List<Header> fromKafka(Headers headers) {
    org.apache.kafka.common.header.Header[] array = headers.toArray();
    if (array.length == 0) {
      return List.of();
    }
    List<Header> list = new ArrayList<>(array.length);
    for (org.apache.kafka.common.header.Header header : array) {
      list.add(new Header(header.key(), header.value()));
    }
    return list;
  }
}
