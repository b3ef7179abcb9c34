package io.gregor.faults;

import com.softwaremill.jox.ChannelClosedException;
import io.gregor.Consumer;
import io.gregor.ConsumerSettings;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.Failure;
import io.gregor.RebalanceKind;
import io.gregor.Received;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one Gregor consumer session for a scenario: a reader thread takes every event, records
 * each record read in the history under the session's name, and keeps errors and rebalances for the
 * scenario to judge.
 *
 * <p>The reader can be made {@link #absent() absent} (it takes nothing until told otherwise) or
 * {@link #slow(Duration) slow} (simulated work after each record), to test backpressure. The output
 * policy is {@code DATA}, {@code CONTROL} and {@code ERROR}.
 */
final class ConsumerDriver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConsumerDriver.class);
  private static final CountDownLatch OPEN = new CountDownLatch(0);

  private final String name;
  private final History.Recorder recorder;
  private final Consumer<String, String, Received<String, String>> consumer;
  private final Thread reader;
  private final AtomicInteger read = new AtomicInteger();
  private final Set<String> ids = ConcurrentHashMap.newKeySet();
  private final Map<TopicPartition, Long> nextToRead = new ConcurrentHashMap<>();
  private final List<Failure> errors = new CopyOnWriteArrayList<>();
  private final List<Event.Rebalance<?>> rebalances = new CopyOnWriteArrayList<>();
  private volatile CountDownLatch present = OPEN;
  private volatile long workNanos;
  private volatile boolean eof;

  /**
   * Starts a consumer session named {@code name} (the name the history knows it by) on {@code
   * settings}.
   */
  ConsumerDriver(
      String name,
      ConsumerSettings<String, String, Received<String, String>> settings,
      History.Recorder recorder) {
    this.name = name;
    this.recorder = recorder;
    this.consumer =
        Consumer.create(
            settings.withOutputPolicy(EventType.DATA, EventType.CONTROL, EventType.ERROR));
    this.reader = Thread.ofVirtual().name(name + "-reader").start(this::readEvents);
  }

  /** The consumer itself, for operations such as {@code position}. */
  Consumer<String, String, Received<String, String>> consumer() {
    return consumer;
  }

  private void readEvents() {
    try {
      while (true) {
        present.await();
        switch (consumer.output().receive()) {
          case Event.Data<Received<String, String>>(var record) -> {
            recorder.consumed(
                record.value(), record.key(), record.partition(), record.offset(), name);
            ids.add(record.value());
            nextToRead.merge(record.topicPartition(), record.offset() + 1, Math::max);
            read.incrementAndGet();
            long work = workNanos;
            if (work > 0) {
              LockSupport.parkNanos(work);
            }
          }
          case Event.Rebalance<Received<String, String>> rebalance -> {
            log.info("{}: {} {}", name, rebalance.kind(), rebalance.partitions());
            recorder.note(name + ": " + rebalance.kind() + " " + rebalance.partitions());
            rebalances.add(rebalance);
          }
          case Event.Error<Received<String, String>>(var failure) -> {
            log.info("{}: {}", name, failure);
            recorder.note(name + ": error " + failure.kind() + ": " + failure.message());
            errors.add(failure);
          }
          case Event.Eof<Received<String, String>>() -> {
            eof = true;
            return;
          }
          default -> {}
        }
      }
    } catch (ChannelClosedException e) {
      recorder.note(name + ": the output ended without Eof: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The reader stops taking events (it finishes the one it is taking). */
  void absent() {
    if (present.getCount() == 0) {
      present = new CountDownLatch(1);
    }
    recorder.note(name + ": the reader is absent");
  }

  /** The reader takes events again, working {@code perRecord} on each record. */
  void slow(Duration perRecord) {
    workNanos = perRecord.toNanos();
    recorder.note(name + ": the reader works " + perRecord + " a record");
    present.countDown();
  }

  /** The reader takes events again, as fast as they come. */
  void fast() {
    workNanos = 0;
    recorder.note(name + ": the reader is fast");
    present.countDown();
  }

  /** Waits until the consumer has been assigned partitions; fails after {@code bound}. */
  void awaitAssigned(Duration bound) {
    Waits.until(
        name + " assigned partitions",
        bound,
        () -> rebalances.stream().anyMatch(r -> r.kind() == RebalanceKind.ASSIGNED));
  }

  /** Records read so far, counting redeliveries. */
  int read() {
    return read.get();
  }

  /**
   * For each partition read from, the offset after the highest one read: what the consumer has
   * fetched beyond it, the reader has not taken yet.
   */
  Map<TopicPartition, Long> nextToRead() {
    return Map.copyOf(nextToRead);
  }

  /** Whether every one of {@code wanted} has been read. */
  boolean hasRead(Collection<String> wanted) {
    return ids.containsAll(wanted);
  }

  /** Waits until every one of {@code wanted} has been read, at most {@code bound}; whether so. */
  boolean awaitRead(Collection<String> wanted, Duration bound) {
    return Waits.within(bound, () -> hasRead(wanted));
  }

  List<Failure> errors() {
    return List.copyOf(errors);
  }

  List<Event.Rebalance<?>> rebalances() {
    return List.copyOf(rebalances);
  }

  /** Closes the consumer (the reader present again) and waits for its output to end. */
  void close(Duration bound) throws InterruptedException {
    fast();
    consumer.close();
    if (!reader.join(bound)) {
      throw new AssertionError(name + ": the output did not end within " + bound + " of close");
    }
    if (!eof) {
      throw new AssertionError(name + ": the output ended without Eof");
    }
  }

  @Override
  public void close() {
    present.countDown();
    consumer.close();
    reader.interrupt();
  }
}
