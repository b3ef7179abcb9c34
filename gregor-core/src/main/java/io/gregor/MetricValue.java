package io.gregor;

import java.util.Map;

/** One of the Kafka client's metrics, as data (the answer to {@link Operation.Metrics}). */
public record MetricValue(String group, String name, Map<String, String> tags, Object value) {
  public MetricValue {
    tags = Map.copyOf(tags);
  }
}
