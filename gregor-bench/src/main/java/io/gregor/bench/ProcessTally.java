package io.gregor.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The processing measure's handler and its bookkeeping, the same for every contender: {@link
 * #handle} checks per-key order, does 1 ms of work ({@code Thread.sleep(1)}) and counts the record
 * once. The rate runs from the first handler's start to the end of the handler that completes the
 * last distinct record.
 *
 * <p>An order violation is a record whose offset is below one already started for its key in its
 * partition (an equal offset is a duplicate, counted apart). The Parallel Consumer module has a
 * copy of this class: it runs on another kafka-clients and cannot share this module.
 */
final class ProcessTally {
  private final int expected;
  private final Map<String, Long> lastOffsets = new ConcurrentHashMap<>();
  private final Set<Long> handled = ConcurrentHashMap.newKeySet();
  private final AtomicInteger distinct = new AtomicInteger();
  private final AtomicLong violations = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong firstNanos = new AtomicLong();
  private volatile long lastNanos;
  private volatile long firstCpuNanos;
  private volatile long lastCpuNanos;
  private final CountDownLatch complete = new CountDownLatch(1);

  ProcessTally(int expected) {
    this.expected = expected;
  }

  /** Handles one record: the order check, 1 ms of work, then the count. */
  void handle(int partition, String key, long offset) throws InterruptedException {
    if (firstNanos.get() == 0 && firstNanos.compareAndSet(0, System.nanoTime())) {
      firstCpuNanos = cpuNanos();
    }
    lastOffsets.merge(
        partition + "/" + key,
        offset,
        (seen, now) -> {
          if (now < seen) {
            violations.incrementAndGet();
            return seen;
          }
          return now;
        });
    Thread.sleep(1);
    if (!handled.add(((long) partition << 40) | offset)) {
      duplicates.incrementAndGet();
    } else if (distinct.incrementAndGet() == expected) {
      lastNanos = System.nanoTime();
      lastCpuNanos = cpuNanos();
      complete.countDown();
    }
  }

  /** Whether every record was handled. */
  boolean complete() {
    return complete.getCount() == 0;
  }

  /** Waits until every record was handled, at most {@code bound}; whether they were. */
  boolean await(Duration bound) throws InterruptedException {
    return complete.await(bound.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** The result line's values; when incomplete, the rate of what was handled until now. */
  Map<String, Object> result() {
    long end = complete() ? lastNanos : System.nanoTime();
    long count = distinct.get();
    double seconds = Math.max(1, end - firstNanos.get()) / 1e9;
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("records", count);
    result.put("seconds", String.format("%.3f", seconds));
    result.put("recordsPerSec", Math.round(count / seconds));
    result.put("orderViolations", violations.get());
    result.put("duplicates", duplicates.get());
    result.put("complete", complete());
    if (complete()) { // the whole JVM's CPU time over the same span, per record
      result.put(
          "cpuMicrosPerRecord",
          String.format("%.2f", (lastCpuNanos - firstCpuNanos) / 1e3 / count));
    }
    return result;
  }

  /** The JVM's CPU time so far, all threads. */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
