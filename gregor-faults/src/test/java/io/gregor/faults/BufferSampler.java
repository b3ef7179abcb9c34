package io.gregor.faults;

import io.gregor.GregorException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.TopicPartition;

/**
 * Samples how many records a consumer holds that its reader has not taken: for each assigned
 * partition, the consumer's position (what it fetched from Kafka) minus the offset after the last
 * record the reader took, summed. That is the output channel's buffer plus what Gregor holds beyond
 * it, the quantity its backpressure bounds; Kafka's own fetch buffer is not in it. Partitions start
 * at offset 0 (a fresh topic read from the beginning).
 */
final class BufferSampler implements AutoCloseable {
  private final ConsumerDriver driver;
  private final Thread thread;
  private final AtomicLong max = new AtomicLong();
  private final AtomicInteger samples = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private volatile boolean running = true;

  /** Starts sampling {@code driver}'s consumer every {@code interval}. */
  BufferSampler(ConsumerDriver driver, Duration interval) {
    this.driver = driver;
    this.thread =
        Thread.ofVirtual()
            .name("buffer-sampler")
            .start(
                () -> {
                  while (running) {
                    sample();
                    LockSupport.parkNanos(interval.toNanos());
                  }
                });
  }

  private void sample() {
    try {
      var consumer = driver.consumer();
      Map<TopicPartition, Long> taken = driver.nextToRead();
      long held = 0;
      for (TopicPartition partition : consumer.assignment()) {
        held += Math.max(0, consumer.position(partition) - taken.getOrDefault(partition, 0L));
      }
      max.accumulateAndGet(held, Math::max);
      samples.incrementAndGet();
    } catch (GregorException e) {
      failed.incrementAndGet(); // a position Kafka could not give (broker down, rebalancing)
    }
  }

  /** The most records held at once, over every sample. */
  long max() {
    return max.get();
  }

  int samples() {
    return samples.get();
  }

  /** Samples that failed: the consumer could not tell a position then. */
  int failed() {
    return failed.get();
  }

  /** Stops sampling and waits for the last sample. */
  void stop() {
    running = false;
    try {
      thread.join(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }
}
