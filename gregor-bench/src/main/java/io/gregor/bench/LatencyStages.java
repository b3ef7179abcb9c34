package io.gregor.bench;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Per-message timestamps of the latency measure, on one clock ({@code System.nanoTime}): when the
 * message was due (its schedule, so a late sender counts: no coordinated omission), accepted (the
 * caller's send returned), sent (Kafka's producer took it: {@link ProducerStamp#onSend}),
 * acknowledged by the broker, polled (Kafka's consumer returned it: {@link ConsumerStamp}) and
 * delivered (the reader has it). A message's value carries its due time and its index; the topic
 * has one partition and is new, so the broker's acknowledgement names the index as its offset.
 */
final class LatencyStages {
  static long[] due;
  static long[] accepted;
  static long[] sent;
  static long[] acknowledged;
  static long[] polled;
  static long[] delivered;

  private LatencyStages() {}

  static void init(int total) {
    due = new long[total];
    accepted = new long[total];
    sent = new long[total];
    acknowledged = new long[total];
    polled = new long[total];
    delivered = new long[total];
  }

  /** A value of {@code size} bytes carrying the message's due time and index. */
  static byte[] value(int size, long dueNanos, int index) {
    due[index] = dueNanos;
    return ByteBuffer.allocate(size).putLong(dueNanos).putInt(index).array();
  }

  static int index(byte[] value) {
    return ByteBuffer.wrap(value).getInt(Long.BYTES);
  }

  private static int index(Object value) {
    return switch (value) {
      case byte[] bytes -> index(bytes);
      case ByteBuffer buffer -> buffer.getInt(buffer.position() + Long.BYTES);
      default -> throw new IllegalArgumentException("not a latency message: " + value);
    };
  }

  private static void stamp(long[] stage, int index) {
    if (index >= 0 && index < stage.length) {
      stage[index] = System.nanoTime();
    }
  }

  /** The producer's side: sent and acknowledged. */
  public static final class ProducerStamp implements ProducerInterceptor<Object, Object> {
    @Override
    public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
      stamp(sent, index(record.value()));
      return record;
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
      if (exception == null && metadata != null && metadata.hasOffset()) {
        stamp(acknowledged, (int) metadata.offset());
      }
    }

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}
  }

  /** The consumer's side: polled. */
  public static final class ConsumerStamp implements ConsumerInterceptor<Object, Object> {
    @Override
    public ConsumerRecords<Object, Object> onConsume(ConsumerRecords<Object, Object> records) {
      for (ConsumerRecord<Object, Object> record : records) {
        stamp(polled, index(record.value()));
      }
      return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}
  }

  /**
   * Median and p99 in µs of each stage's share, over the first {@code count} messages: due to
   * accepted, accepted to sent, sent to acknowledged, sent to polled, polled to delivered.
   */
  static Map<String, Object> result(int count) {
    Map<String, Object> result = new LinkedHashMap<>();
    put(result, "accept", due, accepted, count);
    put(result, "send", accepted, sent, count);
    put(result, "ack", sent, acknowledged, count);
    put(result, "poll", sent, polled, count);
    put(result, "deliver", polled, delivered, count);
    return result;
  }

  private static void put(
      Map<String, Object> result, String name, long[] from, long[] to, int count) {
    long[] spans = new long[count];
    int n = 0;
    for (int i = 0; i < count; i++) {
      if (from[i] != 0 && to[i] != 0) {
        spans[n++] = to[i] - from[i];
      }
    }
    long[] sorted = Arrays.copyOf(spans, n);
    Arrays.sort(sorted);
    result.put(name + "P50us", n == 0 ? "-" : String.format("%.1f", at(sorted, 0.50) / 1e3));
    result.put(name + "P99us", n == 0 ? "-" : String.format("%.1f", at(sorted, 0.99) / 1e3));
  }

  private static long at(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(p * sorted.length) - 1))];
  }
}
