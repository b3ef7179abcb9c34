package io.gregor.micrometer;

import io.gregor.Consumer;
import io.gregor.ErrorKind;
import io.gregor.GregorException;
import io.gregor.MetricValue;
import io.gregor.Producer;
import io.gregor.Statistics;
import io.gregor.Topics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Binds a Gregor client's metrics to a Micrometer registry: Gregor's own ({@link Statistics}) and
 * the Kafka client's. Every meter is tagged {@code gregor.client} (the {@code client.id}, or
 * "producer"/"consumer"), {@code gregor.kind} (producer or consumer) and, for a consumer in a
 * group, {@code gregor.group}; a consumer subscribed to named topics also gets {@code
 * gregor.topics}. The Kafka client's metrics keep their own tags (topic, partition, node...).
 *
 * <pre>{@code
 * var metrics = GregorMetrics.of(consumer);
 * metrics.bindTo(registry);   // ... and metrics.close() to remove the meters again
 * }</pre>
 *
 * <p>Gregor's meters: {@code gregor.events.made} and {@code gregor.events.taken} (counters), {@code
 * gregor.events.waiting} (the output's fill), {@code gregor.errors} (a counter per {@code kind}),
 * and for a consumer {@code gregor.partitions.paused}, {@code gregor.commit.lag} and {@code
 * gregor.records.unacknowledged}, for a producer {@code gregor.messages.in.flight}. Reading them
 * never waits for the client's loop. The Kafka client's metrics are gauges named {@code
 * kafka.<group>.<name>} (e.g. {@code kafka.consumer-fetch-manager-metrics.records-lag-max}), read
 * through the client's loop at most once a second; those that appear later (a new partition) are
 * added at each {@link #refresh()}. After the client closed, they read NaN.
 */
public final class GregorMetrics implements MeterBinder, AutoCloseable {
  private static final long SNAPSHOT_MILLIS = 1_000;

  private final Supplier<Statistics> statistics;
  private final Supplier<List<MetricValue>> kafkaMetrics;
  private final Tags tags;
  private final boolean consumer;
  private final List<Meter> meters = new ArrayList<>();
  private final Set<String> kafkaMeterKeys = new HashSet<>();
  private MeterRegistry registry;

  private volatile Map<String, Double> snapshot = Map.of();
  private volatile long snapshotAt;

  private GregorMetrics(
      Supplier<Statistics> statistics,
      Supplier<List<MetricValue>> kafkaMetrics,
      Tags tags,
      boolean consumer) {
    this.statistics = statistics;
    this.kafkaMetrics = kafkaMetrics;
    this.tags = tags;
    this.consumer = consumer;
  }

  /** The metrics of a consumer. */
  public static GregorMetrics of(Consumer<?, ?, ?> consumer) {
    Objects.requireNonNull(consumer, "consumer");
    var kafka = consumer.settings().kafka();
    Tags tags =
        Tags.of(
            "gregor.client",
            String.valueOf(kafka.getOrDefault("client.id", "consumer")),
            "gregor.kind",
            "consumer");
    Object group = kafka.get("group.id");
    if (group != null) {
      tags = tags.and("gregor.group", group.toString());
    }
    if (consumer.settings().topics() instanceof Topics.Names(var names)) {
      tags = tags.and("gregor.topics", String.join(",", new java.util.TreeSet<>(names)));
    }
    return new GregorMetrics(consumer::statistics, consumer::metrics, tags, true);
  }

  /** The metrics of a producer. */
  public static GregorMetrics of(Producer<?, ?, ?> producer) {
    Objects.requireNonNull(producer, "producer");
    var kafka = producer.settings().kafka();
    Tags tags =
        Tags.of(
            "gregor.client",
            String.valueOf(kafka.getOrDefault("client.id", "producer")),
            "gregor.kind",
            "producer");
    return new GregorMetrics(producer::statistics, producer::metrics, tags, false);
  }

  /** These metrics with more tags on every meter. */
  public GregorMetrics withTags(Iterable<Tag> more) {
    return new GregorMetrics(statistics, kafkaMetrics, tags.and(more), consumer);
  }

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    if (this.registry != null) {
      throw new IllegalStateException("these metrics are bound already; make another");
    }
    this.registry = registry;
    counter("gregor.events.made", "events made for the output", Statistics::eventsMade);
    counter("gregor.events.taken", "events a reader took from the output", Statistics::eventsTaken);
    gauge("gregor.events.waiting", "events made and not yet taken", Statistics::eventsWaiting);
    for (ErrorKind kind : ErrorKind.values()) {
      meters.add(
          FunctionCounter.builder(
                  "gregor.errors",
                  this,
                  metrics -> metrics.statistics.get().errors().getOrDefault(kind, 0L))
              .description("error events made, by kind")
              .tags(tags)
              .tag("kind", kind.name())
              .register(registry));
    }
    if (consumer) {
      gauge("gregor.partitions.paused", "partitions paused", Statistics::pausedPartitions);
      gauge("gregor.commit.lag", "records received and not yet committed", Statistics::commitLag);
      gauge(
          "gregor.records.unacknowledged",
          "records waiting for their acknowledgement",
          Statistics::unacknowledged);
    } else {
      gauge("gregor.messages.in.flight", "messages without an outcome yet", Statistics::inFlight);
    }
    refresh();
  }

  /** Adds gauges for the Kafka client's metrics that appeared since the last look. */
  public synchronized void refresh() {
    if (registry == null) {
      throw new IllegalStateException("bind the metrics to a registry first");
    }
    for (MetricValue metric : readKafka()) {
      if (!(metric.value() instanceof Number)) {
        continue;
      }
      String name = "kafka." + metric.group() + "." + metric.name();
      String key = name + new TreeMap<>(metric.tags());
      if (!kafkaMeterKeys.add(key)) {
        continue;
      }
      Tags metricTags = tags;
      for (var tag : metric.tags().entrySet()) {
        metricTags = metricTags.and(tag.getKey(), tag.getValue());
      }
      meters.add(
          Gauge.builder(name, this, metrics -> metrics.kafkaValue(key))
              .tags(metricTags)
              .register(registry));
    }
  }

  /** Removes the meters from the registry. */
  @Override
  public synchronized void close() {
    if (registry != null) {
      meters.forEach(registry::remove);
      meters.clear();
      kafkaMeterKeys.clear();
    }
  }

  private void counter(String name, String description, ToDoubleFunction<Statistics> value) {
    meters.add(
        FunctionCounter.builder(
                name, this, metrics -> value.applyAsDouble(metrics.statistics.get()))
            .description(description)
            .tags(tags)
            .register(registry));
  }

  private void gauge(String name, String description, ToDoubleFunction<Statistics> value) {
    meters.add(
        Gauge.builder(name, this, metrics -> value.applyAsDouble(metrics.statistics.get()))
            .description(description)
            .tags(tags)
            .register(registry));
  }

  private List<MetricValue> readKafka() {
    try {
      return kafkaMetrics.get();
    } catch (GregorException | IllegalStateException e) {
      return List.of(); // the client has closed
    }
  }

  /** A Kafka metric's value from a snapshot at most a second old; NaN once the client closed. */
  private double kafkaValue(String key) {
    long now = System.nanoTime() / 1_000_000;
    if (now - snapshotAt >= SNAPSHOT_MILLIS) {
      Map<String, Double> values = new HashMap<>();
      for (MetricValue metric : readKafka()) {
        if (metric.value() instanceof Number number) {
          values.put(
              "kafka." + metric.group() + "." + metric.name() + new TreeMap<>(metric.tags()),
              number.doubleValue());
        }
      }
      snapshot = values;
      snapshotAt = now;
    }
    return snapshot.getOrDefault(key, Double.NaN);
  }
}
