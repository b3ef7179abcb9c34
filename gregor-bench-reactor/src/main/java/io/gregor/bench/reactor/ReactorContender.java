package io.gregor.bench.reactor;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import reactor.core.publisher.Flux;
import reactor.kafka.receiver.KafkaReceiver;
import reactor.kafka.receiver.ReceiverOptions;
import reactor.kafka.sender.KafkaSender;
import reactor.kafka.sender.SenderOptions;
import reactor.kafka.sender.SenderRecord;

/**
 * Reactor Kafka as a benchmark contender, with the same settings and output protocol as the
 * harness's other contenders ({@code RESULT key=value ...} on stdout).
 */
public final class ReactorContender {
  private static final int VALUE_SIZE = 100;

  /** At most this many passes warm the consumer's JVM up (as in the harness's other contenders). */
  private static final int WARM_UP_PASSES = 12;

  /** A pass during which the JIT compilers worked less than this long (ms) ends the warm-up. */
  private static final long QUIET_JIT_MILLIS = 50;

  private ReactorContender() {}

  /** The JIT compilers' time so far, in ms. */
  private static long jitMillis() {
    return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
  }

  public static void main(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      options.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    String bootstrap = options.get("bootstrap");
    String topic = options.get("topic");
    int records = Integer.parseInt(options.get("records"));
    boolean warmUp = Boolean.parseBoolean(options.getOrDefault("warmup", "false"));
    Map<String, Object> result =
        switch (args[0]) {
          case "reactor-produce" -> produce(bootstrap, topic, records);
          case "reactor-consume" -> consume(bootstrap, topic, records, warmUp);
          default -> throw new IllegalArgumentException("unknown contender " + args[0]);
        };
    StringBuilder line = new StringBuilder("RESULT");
    result.forEach((key, value) -> line.append(' ').append(key).append('=').append(value));
    System.out.println(line);
    System.out.flush();
    System.exit(0);
  }

  private static Map<String, Object> throughput(long records, long nanos) {
    Map<String, Object> result = new LinkedHashMap<>();
    double seconds = nanos / 1e9;
    result.put("records", records);
    result.put("seconds", String.format("%.3f", seconds));
    result.put("recordsPerSec", Math.round(records / seconds));
    result.put("mbPerSec", String.format("%.1f", records * (double) VALUE_SIZE / seconds / 1e6));
    return result;
  }

  /**
   * Sends {@code n} records, cold: Reactor's sender takes seconds for them, so the JIT's warm-up is
   * not what limits it.
   */
  private static Map<String, Object> produce(String bootstrap, String topic, int n) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 65_536);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    byte[] value = new byte[VALUE_SIZE];
    Arrays.fill(value, (byte) 'x');
    AtomicLong failed = new AtomicLong();
    KafkaSender<byte[], byte[]> sender =
        KafkaSender.create(SenderOptions.<byte[], byte[]>create(config).stopOnError(false));
    long start = System.nanoTime();
    long acknowledged =
        sender
            .send(
                Flux.range(0, n)
                    .map(
                        i ->
                            SenderRecord.create(
                                new ProducerRecord<byte[], byte[]>(topic, value), i)))
            .doOnNext(
                result -> {
                  if (result.exception() != null) {
                    failed.incrementAndGet();
                  }
                })
            .count()
            .block();
    long nanos = System.nanoTime() - start;
    sender.close();
    Map<String, Object> result = throughput(acknowledged, nanos);
    result.put("failed", failed.get());
    return result;
  }

  /**
   * Reads the topic's {@code n} records from the beginning: with {@code warmUp}, first unmeasured
   * until the JIT compilers are quiet (as the harness's other consumers), then measured from the
   * first record.
   */
  private static Map<String, Object> consume(
      String bootstrap, String topic, int n, boolean warmUp) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    List<TopicPartition> partitions;
    try (var probe = new KafkaConsumer<byte[], byte[]>(config)) {
      partitions =
          probe.partitionsFor(topic).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .toList();
    }
    ReceiverOptions<byte[], byte[]> options =
        ReceiverOptions.<byte[], byte[]>create(config)
            .assignment(partitions)
            .addAssignListener(assigned -> assigned.forEach(p -> p.seekToBeginning()));
    int passes = 0;
    while (warmUp && passes < WARM_UP_PASSES) {
      long before = jitMillis();
      pass(options, n, new AtomicLong());
      passes++;
      if (jitMillis() - before < QUIET_JIT_MILLIS) {
        break;
      }
    }
    AtomicLong start = new AtomicLong(System.nanoTime());
    AtomicLong bytes = new AtomicLong();
    long count = pass(options, n, warmUp ? start : new AtomicLong(), bytes);
    Map<String, Object> result = throughput(count, System.nanoTime() - start.get());
    result.put("bytes", bytes.get());
    result.put("warmUpPasses", passes);
    return result;
  }

  private static long pass(ReceiverOptions<byte[], byte[]> options, int n, AtomicLong start) {
    return pass(options, n, start, new AtomicLong());
  }

  /** Reads {@code n} records; sets {@code start} at the first, counts their bytes. */
  private static long pass(
      ReceiverOptions<byte[], byte[]> options, int n, AtomicLong start, AtomicLong bytes) {
    AtomicLong seen = new AtomicLong();
    return KafkaReceiver.create(options)
        .receive()
        .take(n)
        .doOnNext(
            record -> {
              if (seen.getAndIncrement() == 0) {
                start.set(System.nanoTime());
              }
              bytes.addAndGet(record.value().length);
            })
        .count()
        .block(Duration.ofMinutes(5));
  }
}
