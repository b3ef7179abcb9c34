package io.gregor.bench;

import io.gregor.Acknowledgements;
import io.gregor.Codecs;
import io.gregor.Consumer;
import io.gregor.ConsumerSettings;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.Message;
import io.gregor.Operation;
import io.gregor.Ordering;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import io.gregor.RebalanceKind;
import io.gregor.Received;
import io.gregor.Sent;
import io.gregor.Topics;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * One measurement in a fresh JVM: {@code Contender <name> bootstrap=... topic=... records=...}.
 * Prints one line {@code RESULT key=value ...} on stdout; the harness parses it.
 *
 * <p>Raw and Gregor contenders use identical Kafka settings ({@link #producerConfig}, {@link
 * #consumerConfig}) and the same 100-byte value.
 */
public final class Contender {
  static final int VALUE_SIZE = 100;
  private static final long SAMPLE_EVERY_NANOS = 2_000_000_000L;

  /** How long a processing contender may take before it reports what it handled. */
  private static final Duration PROCESS_BOUND = Duration.ofMinutes(5);

  private Contender() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      options.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    String bootstrap = options.get("bootstrap");
    String topic = options.get("topic");
    int records = Integer.parseInt(options.getOrDefault("records", "0"));
    boolean warmUp = Boolean.parseBoolean(options.getOrDefault("warmup", "false"));
    Map<String, Object> result =
        switch (args[0]) {
          case "raw-produce" ->
              rawProduce(
                  bootstrap,
                  topic,
                  records,
                  Integer.parseInt(options.getOrDefault("keys", "0")),
                  warmUp);
          case "gregor-produce" -> gregorProduce(bootstrap, topic, records, false, warmUp);
          case "gregor-produce-data" -> gregorProduce(bootstrap, topic, records, true, warmUp);
          case "sync-produce" -> syncProduce(bootstrap, topic, records);
          case "raw-consume" -> rawConsume(bootstrap, topic, records, warmUp);
          case "gregor-consume" -> gregorConsume(bootstrap, topic, records, warmUp);
          case "raw-latency", "gregor-latency" ->
              latency(
                  args[0].startsWith("gregor"),
                  bootstrap,
                  topic,
                  Integer.parseInt(options.get("rate")),
                  Integer.parseInt(options.get("seconds")));
          case "gregor-slow-reader" ->
              slowReader(
                  bootstrap,
                  topic,
                  Integer.parseInt(options.get("seconds")),
                  Long.parseLong(options.get("workMicros")));
          case "raw-group", "gregor-group" ->
              group(
                  args[0].startsWith("gregor"),
                  bootstrap,
                  topic,
                  records,
                  Integer.parseInt(options.get("consumers")),
                  options.get("group"));
          case "raw-startup" -> rawStartup(bootstrap, topic, options.get("group"));
          case "gregor-startup" -> gregorStartup(bootstrap, topic, options.get("group"));
          case "raw-process" ->
              inGroups(
                  warmUp,
                  options.get("group"),
                  group -> rawProcess(bootstrap, topic, records, group));
          case "gregor-process" ->
              inGroups(
                  warmUp,
                  options.get("group"),
                  group ->
                      gregorProcess(
                          bootstrap,
                          topic,
                          records,
                          group,
                          Integer.parseInt(options.get("concurrency"))));
          default -> throw new IllegalArgumentException("unknown contender " + args[0]);
        };
    StringBuilder line = new StringBuilder("RESULT");
    result.forEach((key, value) -> line.append(' ').append(key).append('=').append(value));
    System.out.println(line);
    System.out.flush();
    System.exit(0);
  }

  static byte[] value() {
    byte[] value = new byte[VALUE_SIZE];
    Arrays.fill(value, (byte) 'x');
    return value;
  }

  static Map<String, Object> producerConfig(String bootstrap) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 65_536);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    return config;
  }

  static Map<String, Object> consumerConfig(String bootstrap) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return config;
  }

  /** Heap bytes all threads had allocated when the measured span began. */
  private static long allocatedAtStart;

  /** The JVM's CPU time (all threads) when the measured span began. */
  private static long cpuAtStart;

  /** The JVM's CPU time so far, all threads. */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** The JIT compilers' time (all compiler threads) when the measured span began. */
  private static long jitAtStart;

  /** The JVM's context switches (all threads) when the measured span began. */
  private static long switchesAtStart;

  /** The JIT compilers' time so far, in ms (all compiler threads). */
  private static long jitMillis() {
    return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
  }

  /** Begins a measured span: notes the allocation so far; returns the clock. */
  private static long startMeasuring() {
    allocatedAtStart = allocatedBytes();
    cpuAtStart = cpuNanos();
    jitAtStart = jitMillis();
    switchesAtStart = contextSwitches();
    machineAtStart = machineTicks();
    threadsAtStart = threadCpuNanos();
    return System.nanoTime();
  }

  /** Each live thread's CPU time when the measured span began: {@link #threadCpuNanos}. */
  private static Map<Long, Long> threadsAtStart = Map.of();

  /** Each live thread's CPU time so far, in ns, by thread id. */
  private static Map<Long, Long> threadCpuNanos() {
    var threads = ManagementFactory.getThreadMXBean();
    Map<Long, Long> cpu = new HashMap<>();
    for (long id : threads.getAllThreadIds()) {
      long nanos = threads.getThreadCpuTime(id);
      if (nanos >= 0) {
        cpu.put(id, nanos);
      }
    }
    return cpu;
  }

  /**
   * The three threads busiest over the measured span of {@code nanos}, with the share of the span
   * each was on a core, as {@code name=percent;...}: whether a thread (the poll loop, the reader)
   * was busy all along, the critical path, or waited.
   */
  private static String busiestThreads(long nanos) {
    var threads = ManagementFactory.getThreadMXBean();
    Map<Long, Long> now = threadCpuNanos();
    return now.entrySet().stream()
        .filter(thread -> threadsAtStart.containsKey(thread.getKey()))
        .map(
            thread ->
                Map.entry(thread.getKey(), thread.getValue() - threadsAtStart.get(thread.getKey())))
        .sorted(Map.Entry.<Long, Long>comparingByValue().reversed())
        .limit(3)
        .map(
            thread -> {
              var info = threads.getThreadInfo(thread.getKey());
              String name = info == null ? "ended" : info.getThreadName();
              return name.replaceAll("[=;,|\\s]+", "_")
                  + "="
                  + Math.round(100.0 * thread.getValue() / nanos);
            })
        .collect(Collectors.joining(";"));
  }

  /** The machine's CPU ticks when the measured span began: {@link #machineTicks}. */
  private static long[] machineAtStart;

  /**
   * The machine's CPU ticks so far, all cores, from {@code /proc/stat}: busy (user, nice, system,
   * interrupts), idle (with I/O wait), steal (taken by the hypervisor); null where unreadable.
   */
  private static long[] machineTicks() {
    try {
      String[] cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split(" +");
      long[] ticks = new long[cpu.length];
      for (int i = 1; i < cpu.length; i++) {
        ticks[i] = Long.parseLong(cpu[i]);
      }
      // cpu user nice system idle iowait irq softirq steal ...
      return new long[] {
        ticks[1] + ticks[2] + ticks[3] + ticks[6] + ticks[7], ticks[4] + ticks[5], ticks[8]
      };
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The machine's busy, idle and steal time over the measured span, in percent of all cores' time
   * (broker and every other process included): whether the cores were all taken, and whether the
   * hypervisor took some.
   */
  private static void putMachineShares(Map<String, Object> result) {
    long[] end = machineTicks();
    if (end == null || machineAtStart == null) {
      return;
    }
    double total = 0;
    for (int i = 0; i < end.length; i++) {
      total += end[i] - machineAtStart[i];
    }
    if (total > 0) {
      result.put("machineBusyPercent", Math.round(100 * (end[0] - machineAtStart[0]) / total));
      result.put("machineIdlePercent", Math.round(100 * (end[1] - machineAtStart[1]) / total));
      result.put("machineStealPercent", Math.round(100 * (end[2] - machineAtStart[2]) / total));
    }
  }

  /** The heap in use after a full collection, in MiB. */
  private static long heapAfterGcMiB() {
    ManagementFactory.getMemoryMXBean().gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
  }

  /** Heap bytes allocated by all threads of this JVM so far (approximate). */
  private static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getTotalThreadAllocatedBytes();
  }

  private static Map<String, Object> throughput(long records, long nanos) {
    Map<String, Object> result = new LinkedHashMap<>();
    double seconds = nanos / 1e9;
    result.put("records", records);
    result.put("seconds", String.format("%.3f", seconds));
    result.put("recordsPerSec", Math.round(records / seconds));
    result.put("mbPerSec", String.format("%.1f", records * (double) VALUE_SIZE / seconds / 1e6));
    if (allocatedAtStart != 0) {
      result.put(
          "allocBytesPerRecord",
          String.format("%.0f", (allocatedBytes() - allocatedAtStart) / (double) records));
      result.put(
          "cpuMicrosPerRecord", String.format("%.2f", (cpuNanos() - cpuAtStart) / 1e3 / records));
      result.put("jitMillis", jitMillis() - jitAtStart);
      long switches = contextSwitches();
      if (switches >= 0 && switchesAtStart >= 0) {
        result.put(
            "switchesPer1000Records",
            String.format("%.2f", (switches - switchesAtStart) * 1000.0 / records));
      }
      putMachineShares(result);
      result.put("busiestThreadsPercent", busiestThreads(nanos));
    }
    return result;
  }

  // ---------------------------------------------------------------- produce

  /**
   * Sends {@code n} records (after warm-up passes that send as many, with {@code warmUp}); with
   * {@code keys} above 0, keyed {@code key-<i % keys>}.
   */
  private static Map<String, Object> rawProduce(
      String bootstrap, String topic, int n, int keys, boolean warmUp) throws Exception {
    Map<String, Object> config = producerConfig(bootstrap);
    byte[] value = value();
    return afterWarmUp(
        warmUp,
        measured -> {
          AtomicLong failed = new AtomicLong();
          try (var producer =
              new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            long start = startMeasuring();
            for (int i = 0; i < n; i++) {
              byte[] key = keys > 0 ? key(i % keys) : null;
              producer.send(
                  new ProducerRecord<>(topic, key, value),
                  (metadata, exception) -> {
                    if (exception != null) {
                      failed.incrementAndGet();
                    }
                  });
            }
            producer.flush();
            long nanos = System.nanoTime() - start;
            Map<String, Object> result = throughput(n, nanos);
            result.put("failed", failed.get());
            return result;
          }
        });
  }

  static byte[] key(int key) {
    return ("key-" + key).getBytes(StandardCharsets.UTF_8);
  }

  /** As {@link #rawProduce}, through Gregor's producer, with or without data events. */
  private static Map<String, Object> gregorProduce(
      String bootstrap, String topic, int n, boolean dataEvents, boolean warmUp) throws Exception {
    var settings =
        ProducerSettings.create(producerConfig(bootstrap), Codecs.bytes(), Codecs.bytes())
            .withOutputPolicy(
                dataEvents
                    ? new EventType[] {EventType.DATA, EventType.ERROR}
                    : new EventType[] {EventType.ERROR});
    byte[] value = value();
    return afterWarmUp(
        warmUp, measured -> gregorProducePass(settings, topic, value, n, dataEvents));
  }

  private static Map<String, Object> gregorProducePass(
      ProducerSettings<Message<byte[], byte[]>, byte[], byte[]> settings,
      String topic,
      byte[] value,
      int n,
      boolean dataEvents)
      throws InterruptedException {
    AtomicLong delivered = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    CountDownLatch allResults = new CountDownLatch(1);
    try (Producer<Message<byte[], byte[]>, byte[], byte[]> producer = Producer.create(settings)) {
      Thread reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (true) {
                        Event<Sent<byte[], byte[]>> event = producer.output().receive();
                        switch (event) {
                          case Event.Data<?> _ -> delivered.incrementAndGet();
                          case Event.Error<?> _ -> failed.incrementAndGet();
                          case Event.Eof<?> _ -> {
                            return;
                          }
                          default -> {}
                        }
                        if (delivered.get() + failed.get() == n) {
                          allResults.countDown();
                        }
                      }
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    } catch (RuntimeException e) {
                      // the output finished
                    }
                  });
      long start = startMeasuring();
      for (int i = 0; i < n; i++) {
        producer.input().send(Message.of(topic, value));
      }
      if (dataEvents) {
        allResults.await();
      } else {
        producer.flush();
      }
      long nanos = System.nanoTime() - start;
      Map<String, Object> result = throughput(n, nanos);
      result.put("failed", failed.get());
      reader.interrupt();
      return result;
    }
  }

  private static Map<String, Object> syncProduce(String bootstrap, String topic, int n)
      throws Exception {
    byte[] value = value();
    try (var producer =
        new KafkaProducer<>(
            producerConfig(bootstrap), new ByteArraySerializer(), new ByteArraySerializer())) {
      long start = startMeasuring();
      for (int i = 0; i < n; i++) {
        producer.send(new ProducerRecord<>(topic, value)).get();
      }
      return throughput(n, System.nanoTime() - start);
    }
  }

  // ---------------------------------------------------------------- consume

  private static List<TopicPartition> partitionsOf(
      KafkaConsumer<byte[], byte[]> consumer, String topic) {
    return consumer.partitionsFor(topic).stream()
        .map(info -> new TopicPartition(topic, info.partition()))
        .toList();
  }

  /**
   * One pass of a contender's workload: its result counts only when {@code measured} (a warm-up
   * pass may return null).
   */
  private interface Pass {
    Map<String, Object> run(boolean measured) throws Exception;
  }

  /** At most this many passes warm a contender's JVM up. */
  private static final int WARM_UP_PASSES = 12;

  /** A pass during which the JIT compilers worked less than this long (ms) ends the warm-up. */
  private static final long QUIET_JIT_MILLIS = 50;

  /**
   * At most this many measured passes: one during which the JIT compilers worked {@value
   * #QUIET_JIT_MILLIS} ms or more is run again.
   */
  private static final int MEASURED_TRIES = 4;

  /**
   * With {@code warmUp}, runs {@code pass} unmeasured until the JIT compilers are quiet (a pass
   * during which they compiled for less than {@value #QUIET_JIT_MILLIS} ms, at most {@value
   * #WARM_UP_PASSES} passes), then measured; a measured pass during which they worked longer is run
   * again, at most {@value #MEASURED_TRIES} measured passes in all. Otherwise measured at once,
   * cold. A pass lasts about a second or less, and a fresh JVM's compilers kept a core busy for
   * several passes: measured cold (or after one pass), the span measured compilation more than the
   * client. And compilation comes in bursts: C2 compiles a method of Kafka's fetch path once it
   * reaches its threshold, several passes in (JFR: {@code NetworkClient.doSend} for 182 ms in a
   * measured pass that followed a quiet one), so one quiet pass did not mean a quiet next one.
   *
   * <p>Consume passes begin their measuring (reading {@code /proc}) in every pass, warm-up
   * included, so that the measured one runs the code the JIT compiled, and is not the first to take
   * a branch or to read files through the NIO methods that Kafka's network code had only used on
   * sockets (JFR showed a {@code class_check} deoptimization there, then Kafka's {@code
   * NetworkClient.poll} and {@code FetchCollector.initialize} compiled again in the measured pass).
   */
  private static Map<String, Object> afterWarmUp(boolean warmUp, Pass pass) throws Exception {
    int passes = 0;
    while (warmUp && passes < WARM_UP_PASSES) {
      long before = jitMillis();
      pass.run(false);
      passes++;
      if (jitMillis() - before < QUIET_JIT_MILLIS) {
        break;
      }
    }
    Map<String, Object> result = pass.run(true);
    int tries = 1;
    while (warmUp && tries < MEASURED_TRIES && jitMillisOf(result) >= QUIET_JIT_MILLIS) {
      result = pass.run(true);
      tries++;
    }
    result.put("warmUpPasses", passes);
    result.put("measuredTries", tries);
    return result;
  }

  /** The JIT compilers' time in a measured span, 0 where the pass does not report it. */
  private static long jitMillisOf(Map<String, Object> result) {
    return Long.parseLong(String.valueOf(result.getOrDefault("jitMillis", 0)));
  }

  /**
   * Reads the topic's {@code n} records from the beginning with the raw client: cold, the span runs
   * from the assignment; after a warm-up, from the first record (the same for every contender).
   */
  private static Map<String, Object> rawConsume(
      String bootstrap, String topic, int n, boolean warmUp) throws Exception {
    return afterWarmUp(
        warmUp,
        measured -> {
          try (var consumer =
              new KafkaConsumer<>(
                  consumerConfig(bootstrap),
                  new ByteArrayDeserializer(),
                  new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = partitionsOf(consumer, topic);
            long start = warmUp ? 0 : startMeasuring();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long count = 0;
            long bytes = 0;
            while (count < n) {
              for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                if (count++ == 0 && warmUp) {
                  start = startMeasuring(); // in every pass: see afterWarmUp
                }
                bytes += record.value().length;
              }
            }
            return measured ? consumed(count, start, bytes) : null;
          }
        });
  }

  /** What a measured pass over {@code count} records found, the consumer still open. */
  private static Map<String, Object> consumed(long count, long start, long bytes) {
    Map<String, Object> result = throughput(count, System.nanoTime() - start);
    result.put("bytes", bytes);
    result.put("heapAfterGcMiB", heapAfterGcMiB());
    return result;
  }

  /** As {@link #rawConsume}, through Gregor's consumer. */
  private static Map<String, Object> gregorConsume(
      String bootstrap, String topic, int n, boolean warmUp) throws Exception {
    List<TopicPartition> partitions;
    try (var probe =
        new KafkaConsumer<>(
            consumerConfig(bootstrap), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      partitions = partitionsOf(probe, topic);
    }
    var settings =
        ConsumerSettings.create(consumerConfig(bootstrap), Codecs.bytes(), Codecs.bytes())
            .withOutputPolicy(EventType.ERROR);
    return afterWarmUp(
        warmUp,
        measured -> {
          try (Consumer<byte[], byte[], Received<byte[], byte[]>> consumer =
              Consumer.create(settings)) {
            long start = warmUp ? 0 : startMeasuring();
            consumer.assign(Set.copyOf(partitions));
            consumer.seekToBeginning(Set.copyOf(partitions));
            long count = 0;
            long bytes = 0;
            while (count < n) {
              if (consumer.output().receive()
                  instanceof Event.Data<Received<byte[], byte[]>>(var record)) {
                if (count++ == 0 && warmUp) {
                  start = startMeasuring(); // in every pass: see afterWarmUp
                }
                bytes += record.value().length;
              }
            }
            return measured ? consumed(count, start, bytes) : null;
          }
        });
  }

  // ---------------------------------------------------------------- groups

  /**
   * {@code consumers} consumers in one group (threads of this JVM) read {@code n} records of the
   * topic between them; the time runs from before they are made (group joins included) to the last
   * record.
   */
  private static Map<String, Object> group(
      boolean gregor, String bootstrap, String topic, int n, int consumers, String group)
      throws InterruptedException {
    AtomicLong count = new AtomicLong();
    CountDownLatch done = new CountDownLatch(1);
    AtomicBoolean stop = new AtomicBoolean();
    Map<String, Object> config = consumerConfig(bootstrap);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    long start = startMeasuring();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < consumers; i++) {
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    if (gregor) {
                      gregorGroupMember(config, topic, n, count, done);
                    } else {
                      rawGroupMember(config, topic, n, count, done, stop);
                    }
                  }));
    }
    boolean complete = done.await(120, TimeUnit.SECONDS);
    long nanos = System.nanoTime() - start;
    stop.set(true);
    done.countDown(); // ends every member, also when not every record came
    for (Thread thread : threads) {
      thread.join(30_000);
    }
    if (!complete) {
      throw new IllegalStateException("only " + count.get() + " of " + n + " records in 120 s");
    }
    return throughput(count.get(), nanos);
  }

  private static void rawGroupMember(
      Map<String, Object> config,
      String topic,
      int n,
      AtomicLong count,
      CountDownLatch done,
      AtomicBoolean stop) {
    try (var consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      while (!stop.get()) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          if (count.incrementAndGet() == n) {
            done.countDown();
          }
        }
      }
    }
  }

  private static void gregorGroupMember(
      Map<String, Object> config, String topic, int n, AtomicLong count, CountDownLatch done) {
    var settings =
        ConsumerSettings.create(config, Codecs.bytes(), Codecs.bytes())
            .withTopics(Topics.of(topic))
            .withOutputPolicy(EventType.ERROR);
    var consumer = Consumer.create(settings);
    // Closed from here once every record is read: the reader below then sees the output end.
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                done.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              consumer.close();
            });
    try {
      while (consumer.output().receiveOrClosed() instanceof Event<?> event
          && !(event instanceof Event.Eof<?>)) {
        if (event instanceof Event.Data<?> && count.incrementAndGet() == n) {
          done.countDown();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      consumer.close();
    }
  }

  // ---------------------------------------------------------------- start-up

  /** From the consumer's creation to its first assignment: Kafka's rebalance listener. */
  private static Map<String, Object> rawStartup(String bootstrap, String topic, String group) {
    Map<String, Object> config = consumerConfig(bootstrap);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    long start = System.nanoTime();
    AtomicLong assignedAt = new AtomicLong();
    try (var consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(
          List.of(topic),
          new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {}

            @Override
            public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
              assignedAt.compareAndSet(0, System.nanoTime());
            }
          });
      while (assignedAt.get() == 0 && System.nanoTime() - start < 60_000_000_000L) {
        consumer.poll(Duration.ofMillis(100));
      }
    }
    return startup(start, assignedAt.get());
  }

  /** From the consumer's creation to the reader's taking the ASSIGNED event. */
  private static Map<String, Object> gregorStartup(String bootstrap, String topic, String group)
      throws InterruptedException {
    Map<String, Object> config = consumerConfig(bootstrap);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    long start = System.nanoTime();
    long assignedAt = 0;
    try (var consumer =
        Consumer.create(
            ConsumerSettings.create(config, Codecs.bytes(), Codecs.bytes())
                .withTopics(Topics.of(topic)))) {
      while (assignedAt == 0 && System.nanoTime() - start < 60_000_000_000L) {
        if (consumer.output().receive() instanceof Event.Rebalance<?>(var kind, var _)
            && kind == RebalanceKind.ASSIGNED) {
          assignedAt = System.nanoTime();
        }
      }
    }
    return startup(start, assignedAt);
  }

  private static Map<String, Object> startup(long start, long assignedAt) {
    if (assignedAt == 0) {
      throw new IllegalStateException("no assignment within 60 s");
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("millis", String.format("%.1f", (assignedAt - start) / 1e6));
    return result;
  }

  // ---------------------------------------------------------------- process

  /** A pass that reads a topic from the start in a consumer group of its own. */
  private interface GroupPass {
    Map<String, Object> run(String group) throws Exception;
  }

  /** How many measured passes a warm processing contender adds up (each lasts well under 1 s). */
  private static final int MEASURED_PROCESS_PASSES = 5;

  /**
   * {@link #afterWarmUp}, each pass in a group of its own, so that every pass reads the whole
   * topic; warm, {@value #MEASURED_PROCESS_PASSES} measured passes added up (records, seconds, CPU
   * time, order violations, duplicates), since one warm pass over the workload is too short to
   * measure.
   */
  private static Map<String, Object> inGroups(boolean warmUp, String group, GroupPass pass)
      throws Exception {
    AtomicInteger passes = new AtomicInteger();
    return afterWarmUp(
        warmUp,
        measured -> {
          if (!measured) {
            Map<String, Object> result = pass.run(group + "-warm-up-" + passes.incrementAndGet());
            if (!Boolean.parseBoolean(result.get("complete").toString())) {
              throw new IllegalStateException("a warm-up pass did not complete: " + result);
            }
            return result;
          }
          if (!warmUp) {
            return pass.run(group);
          }
          List<Map<String, Object>> results = new ArrayList<>();
          for (int i = 1; i <= MEASURED_PROCESS_PASSES; i++) {
            results.add(pass.run(group + "-" + i));
          }
          return addedUp(results);
        });
  }

  /** Processing results of several passes as one. */
  private static Map<String, Object> addedUp(List<Map<String, Object>> results) {
    long records = 0;
    long fewest = Long.MAX_VALUE;
    double seconds = 0;
    double cpuMicros = 0;
    boolean cpuOfEvery = true; // a pass that did not complete reports no CPU time
    long violations = 0;
    long duplicates = 0;
    long errors = 0;
    boolean complete = true;
    for (Map<String, Object> result : results) {
      long count = Long.parseLong(result.get("records").toString());
      records += count;
      fewest = Math.min(fewest, count);
      seconds += Double.parseDouble(result.get("seconds").toString());
      Object cpu = result.get("cpuMicrosPerRecord");
      cpuOfEvery &= cpu != null;
      cpuMicros += cpu == null ? 0 : Double.parseDouble(cpu.toString()) * count;
      violations += Long.parseLong(result.get("orderViolations").toString());
      duplicates += Long.parseLong(result.get("duplicates").toString());
      errors += Long.parseLong(result.getOrDefault("errors", "0").toString());
      complete &= Boolean.parseBoolean(result.get("complete").toString());
    }
    Map<String, Object> sum = new LinkedHashMap<>();
    sum.put("records", fewest); // each pass reads the whole workload: the fewest any handled
    sum.put("seconds", String.format("%.3f", seconds));
    sum.put("recordsPerSec", Math.round(records / seconds));
    sum.put("orderViolations", violations);
    sum.put("duplicates", duplicates);
    sum.put("complete", complete);
    if (cpuOfEvery && records > 0) {
      sum.put("cpuMicrosPerRecord", String.format("%.2f", cpuMicros / records));
    }
    sum.put("errors", errors);
    sum.put("measuredPasses", results.size());
    return sum;
  }

  /**
   * The upper bound: one virtual thread per record as soon as it is polled; no order, no commits.
   */
  private static Map<String, Object> rawProcess(String bootstrap, String topic, int n, String group)
      throws InterruptedException {
    Map<String, Object> config = consumerConfig(bootstrap);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    ProcessTally tally = new ProcessTally(n);
    long deadline = System.nanoTime() + PROCESS_BOUND.toNanos();
    try (var consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      while (!tally.complete() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      tally.handle(record.partition(), record.key(), record.offset());
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  });
        }
      }
      tally.await(Duration.ofSeconds(10)); // the handlers started last
    }
    return tally.result();
  }

  /**
   * Gregor: {@code process(KEY, concurrency, handler)}, committing after acknowledgement with the
   * default {@link Acknowledgements} (at most 10,000 records unacknowledged, a commit every 1,000
   * acknowledgements).
   */
  private static Map<String, Object> gregorProcess(
      String bootstrap, String topic, int n, String group, int concurrency)
      throws InterruptedException {
    Map<String, Object> config = consumerConfig(bootstrap);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    var settings =
        ConsumerSettings.create(config, Codecs.string(), Codecs.bytes())
            .withTopics(Topics.of(topic))
            .withOutputPolicy(EventType.ERROR)
            .withAcknowledgements(Acknowledgements.defaults());
    ProcessTally tally = new ProcessTally(n);
    AtomicLong errors = new AtomicLong();
    try (var consumer = Consumer.create(settings)) {
      var events =
          consumer.process(
              Ordering.KEY,
              concurrency,
              record -> tally.handle(record.partition(), record.key(), record.offset()));
      Thread.ofVirtual()
          .start(
              () -> { // errors, rebalances and EOF come here; only errors count
                try {
                  while (events.receiveOrClosed() instanceof Event<?> event
                      && !(event instanceof Event.Eof<?>)) {
                    if (event instanceof Event.Error<?>) {
                      errors.incrementAndGet();
                    }
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      tally.await(PROCESS_BOUND);
    }
    Map<String, Object> result = tally.result();
    result.put("errors", errors.get());
    return result;
  }

  // ---------------------------------------------------------------- latency

  /**
   * Produces at a fixed rate for a fixed time and consumes in the same JVM; each value carries the
   * time it was due to be sent (its schedule: a sender held up counts, so no coordinated omission),
   * and {@link LatencyStages} stamps where each message is, so latency is measured on one clock and
   * split by stage.
   */
  private static Map<String, Object> latency(
      boolean gregor, String bootstrap, String topic, int rate, int seconds) throws Exception {
    int total = rate * seconds;
    long[] latencies = new long[total];
    LatencyStages.init(total);
    AtomicLong received = new AtomicLong();
    CountDownLatch ready = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    Map<String, Object> producerConfig = producerConfig(bootstrap);
    producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    producerConfig.put(
        ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, LatencyStages.ProducerStamp.class.getName());
    Thread reader =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    if (gregor) {
                      gregorLatencyReader(bootstrap, topic, latencies, received, ready, done);
                    } else {
                      rawLatencyReader(bootstrap, topic, latencies, received, ready, done);
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    ready.await();
    long cpuStart = cpuNanos();
    long switchesStart = contextSwitches();
    long intervalNanos = 1_000_000_000L / rate;
    if (gregor) {
      var settings =
          ProducerSettings.create(producerConfig, Codecs.bytes(), Codecs.bytes())
              .withOutputPolicy(EventType.ERROR);
      try (var producer = Producer.create(settings)) {
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
          long due = waitUntil(start + i * intervalNanos);
          producer.input().send(Message.of(topic, LatencyStages.value(VALUE_SIZE, due, i)));
          LatencyStages.accepted[i] = System.nanoTime();
        }
        producer.flush();
      }
    } else {
      try (var producer =
          new KafkaProducer<>(
              producerConfig, new ByteArraySerializer(), new ByteArraySerializer())) {
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
          long due = waitUntil(start + i * intervalNanos);
          producer.send(new ProducerRecord<>(topic, LatencyStages.value(VALUE_SIZE, due, i)));
          LatencyStages.accepted[i] = System.nanoTime();
        }
        producer.flush();
      }
    }
    done.await();
    long cpu = cpuNanos() - cpuStart;
    long switches = contextSwitches() - switchesStart;
    reader.join();
    long[] sorted = Arrays.copyOf(latencies, (int) received.get());
    Arrays.sort(sorted);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("records", sorted.length);
    result.put("p50us", percentile(sorted, 0.50) / 1000);
    result.put("p99us", percentile(sorted, 0.99) / 1000);
    result.put("p999us", percentile(sorted, 0.999) / 1000);
    result.put("maxus", sorted[sorted.length - 1] / 1000);
    result.put("cpuMicrosPerRecord", String.format("%.2f", cpu / 1e3 / total));
    if (switchesStart >= 0) {
      result.put("contextSwitchesPerRecord", String.format("%.2f", switches / (double) total));
    }
    result.putAll(LatencyStages.result(sorted.length));
    return result;
  }

  /**
   * Context switches of all this JVM's threads so far (Linux: {@code /proc/self/task/}*{@code
   * /status}), or -1 where that cannot be read. Each wake of a waiting thread is one: what a
   * hand-off between threads costs the machine, besides CPU time.
   */
  private static long contextSwitches() {
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      return -1;
    }
    long switches = 0;
    try (var threads = Files.list(tasks)) {
      for (Path thread : threads.toList()) {
        try {
          for (String line : Files.readAllLines(thread.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")
                || line.startsWith("nonvoluntary_ctxt_switches:")) {
              switches += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
          }
        } catch (IOException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return switches;
  }

  /** Waits until {@code due} (on the monotonic clock); returns it. */
  private static long waitUntil(long due) {
    for (long now = System.nanoTime(); now < due; now = System.nanoTime()) {
      LockSupport.parkNanos(due - now);
    }
    return due;
  }

  private static long percentile(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }

  /** The consumer settings with {@link LatencyStages.ConsumerStamp} stamping what polls return. */
  private static Map<String, Object> stampedConsumerConfig(String bootstrap) {
    Map<String, Object> config = consumerConfig(bootstrap);
    config.put(
        ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, LatencyStages.ConsumerStamp.class.getName());
    return config;
  }

  private static void rawLatencyReader(
      String bootstrap,
      String topic,
      long[] latencies,
      AtomicLong received,
      CountDownLatch ready,
      CountDownLatch done) {
    try (var consumer =
        new KafkaConsumer<>(
            stampedConsumerConfig(bootstrap),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = partitionsOf(consumer, topic);
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position);
      ready.countDown();
      while (received.get() < latencies.length) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          long now = System.nanoTime();
          LatencyStages.delivered[LatencyStages.index(record.value())] = now;
          latencies[(int) received.getAndIncrement()] =
              now - ByteBuffer.wrap(record.value()).getLong();
        }
      }
      done.countDown();
    }
  }

  private static void gregorLatencyReader(
      String bootstrap,
      String topic,
      long[] latencies,
      AtomicLong received,
      CountDownLatch ready,
      CountDownLatch done)
      throws InterruptedException {
    List<TopicPartition> partitions;
    try (var probe =
        new KafkaConsumer<>(
            consumerConfig(bootstrap), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      partitions = partitionsOf(probe, topic);
    }
    var settings =
        ConsumerSettings.create(stampedConsumerConfig(bootstrap), Codecs.bytes(), Codecs.bytes())
            .withOutputPolicy(EventType.ERROR);
    try (var consumer = Consumer.create(settings)) {
      consumer.assign(Set.copyOf(partitions));
      consumer.seekToEnd(Set.copyOf(partitions));
      partitions.forEach(consumer::position);
      ready.countDown();
      while (received.get() < latencies.length) {
        if (consumer.output().receive() instanceof Event.Data<Received<byte[], byte[]>>(var r)) {
          long now = System.nanoTime();
          LatencyStages.delivered[LatencyStages.index(r.value())] = now;
          latencies[(int) received.getAndIncrement()] = now - ByteBuffer.wrap(r.value()).getLong();
        }
      }
      done.countDown();
    }
  }

  // ---------------------------------------------------------------- memory

  /**
   * A reader that does {@code workMicros} of work per record over a backlog, for {@code seconds}:
   * reports the highest heap in use after a collection, and whether the consumer lost its
   * partitions (eviction from the group).
   */
  private static Map<String, Object> slowReader(
      String bootstrap, String topic, int seconds, long workMicros) throws InterruptedException {
    Map<String, Object> config = consumerConfig(bootstrap);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, topic + "-slow-reader");
    config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 10_000);
    var settings =
        ConsumerSettings.create(config, Codecs.bytes(), Codecs.bytes())
            .withTopics(Topics.of(topic))
            .withOutputPolicy(EventType.CONTROL, EventType.ERROR);
    long records = 0;
    int assignments = 0;
    int revocations = 0;
    long peakAfterGc = 0;
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    long nextSample = System.nanoTime() + SAMPLE_EVERY_NANOS;
    try (var consumer = Consumer.create(settings)) {
      while (System.nanoTime() < deadline) {
        switch (consumer.output().receive()) {
          case Event.Data<?> _ -> {
            records++;
            LockSupport.parkNanos(workMicros * 1000);
          }
          case Event.Rebalance<?>(RebalanceKind kind, var partitions) -> {
            if (kind == RebalanceKind.ASSIGNED) {
              assignments++;
            } else {
              revocations++;
            }
          }
          default -> {}
        }
        if (System.nanoTime() >= nextSample) {
          // The heap still in use after a full collection: what the consumer retains.
          ManagementFactory.getMemoryMXBean().gc();
          peakAfterGc =
              Math.max(
                  peakAfterGc, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
          nextSample = System.nanoTime() + SAMPLE_EVERY_NANOS;
        }
      }
      consumer.call(new Operation.Commit());
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("records", records);
    result.put("peakHeapAfterGcMiB", peakAfterGc / (1024 * 1024));
    result.put("assignments", assignments);
    result.put("revocationsOrLosses", revocations);
    result.put("evicted", revocations > 0);
    return result;
  }
}
