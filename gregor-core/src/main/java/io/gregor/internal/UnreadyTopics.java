package io.gregor.internal;

import io.gregor.ErrorKind;
import io.gregor.Failure;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where messages wait for their topic's metadata, so that the producer's loop never does. Kafka's
 * {@code send} (and {@code partitionsFor}) waits for an unknown topic's metadata on the caller's
 * thread, for up to {@code max.block.ms}; a message to a topic that is not {@link #isReady ready}
 * is {@link #park parked} here instead, and a virtual thread per such topic asks Kafka for its
 * partitions while the loop goes on with other topics and operations.
 *
 * <ul>
 *   <li>When the partitions arrive, that thread sends the topic's parked messages, one by one in
 *       the order they were parked (a message parked meanwhile goes behind them), checks an
 *       explicit partition against the partitions, and then marks the topic ready: later messages
 *       go straight to Kafka from the loop, and none overtakes a parked one.
 *   <li>When the wait fails ({@code max.block.ms} passed, or the topic is invalid or not
 *       authorized), each parked message is reported as {@link ErrorKind#SEND_FAILED} (or {@link
 *       ErrorKind#AUTHORIZATION}, {@link ErrorKind#AUTHENTICATION} when the broker refused the
 *       client), and the next message to the topic starts a new wait.
 *   <li>When the producer closes, it waits for the parked messages only as long as its close
 *       timeout allows, then {@link #abandon abandons} the rest, reporting each as not sent.
 * </ul>
 *
 * <p>A parked message holds its in-flight permit (taken by the loop before parking), so parked
 * messages are bounded by {@code maxInFlight}; every report here goes through {@code report}, which
 * takes over that permit. Thread-safe; {@link #isReady} is a set look-up that does not allocate.
 *
 * @param <M> the messages, as their outcomes name them
 */
final class UnreadyTopics<M> {
  private static final Logger log = LoggerFactory.getLogger(UnreadyTopics.class);

  private final String name;
  private final Producer<byte[], byte[]> producer;
  private final Function<M, Callback> callbacks;
  private final Consumer<Failure> report;

  /** Topics whose metadata Kafka has: their messages go straight to {@code send}. */
  private final Set<String> ready = ConcurrentHashMap.newKeySet();

  private final ReentrantLock lock = new ReentrantLock();

  /** Signalled when a topic leaves {@link #waiting} and when a waiting thread ends. */
  private final Condition changed = lock.newCondition();

  /** Per topic being waited for, its parked messages in order. Guarded by {@link #lock}. */
  private final Map<String, ArrayDeque<Parked<M>>> waiting = new LinkedHashMap<>();

  /** The waiting threads that have not ended. Guarded by {@link #lock}. */
  private final Set<Thread> threads = new HashSet<>();

  /** Set on close: nothing more is parked, and no parked message sent. Guarded by {@link #lock}. */
  private boolean abandoned;

  private record Parked<M>(M message, ProducerRecord<byte[], byte[]> record) {}

  /**
   * @param name the prefix of the waiting threads' names
   * @param callbacks the callback that reports a message's outcome once Kafka has sent it
   * @param report reports a message that was not sent; the event takes over the message's permit
   */
  UnreadyTopics(
      String name,
      Producer<byte[], byte[]> producer,
      Function<M, Callback> callbacks,
      Consumer<Failure> report) {
    this.name = name;
    this.producer = producer;
    this.callbacks = callbacks;
    this.report = report;
  }

  /** Whether Kafka has the topic's metadata, so that {@code send} to it does not wait for it. */
  boolean isReady(String topic) {
    return ready.contains(topic);
  }

  /**
   * Takes a message (holding an in-flight permit) to a topic that is not ready: it is sent, or
   * reported, once the topic's metadata arrives or its wait fails. Never blocks for long.
   */
  void park(M message, ProducerRecord<byte[], byte[]> record) {
    String topic = record.topic();
    lock.lock();
    try {
      if (abandoned) {
        report.accept(
            new Failure(ErrorKind.NOT_SENT, "not sent: the producer has closed", null, message));
        return;
      }
      ArrayDeque<Parked<M>> parked = waiting.get(topic);
      if (parked == null) {
        // Also when the topic turned ready since the caller looked: the wait then ends at once,
        // and until then later messages must queue behind this one, not go straight to Kafka.
        ready.remove(topic);
        parked = new ArrayDeque<>();
        waiting.put(topic, parked);
        Thread thread =
            Thread.ofVirtual().name(name + "-metadata-" + topic).unstarted(() -> await(topic));
        threads.add(thread);
        thread.start();
      }
      parked.add(new Parked<>(message, record));
    } finally {
      lock.unlock();
    }
  }

  /**
   * Makes a ready topic wait for its metadata again: Kafka forgot it (idle too long, or the topic
   * was deleted), and its next {@code send} would wait for it on the loop.
   */
  void forget(String topic) {
    ready.remove(topic);
  }

  /** Waits until every parked message has been handed to Kafka or reported (for a flush). */
  void awaitSettled() {
    lock.lock();
    try {
      while (!waiting.isEmpty()) {
        changed.awaitUninterruptibly();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until every parked message has been handed to Kafka or reported, or until the deadline
   * ({@link System#nanoTime()}); an interrupt does not end the wait, and stays set.
   */
  void awaitSettled(long deadline) {
    boolean interrupted = false;
    lock.lock();
    try {
      long left;
      while (!waiting.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
        try {
          changed.awaitNanos(left);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      lock.unlock();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Reports every message still parked as not sent ({@code reason}, plus why) and parks nothing
   * more: for close. A message a waiting thread is handing to Kafka at this moment gets its outcome
   * from Kafka, or from the closed producer.
   */
  void abandon(String reason) {
    lock.lock();
    try {
      abandoned = true;
      waiting.forEach(
          (topic, parked) -> {
            for (Parked<M> p : parked) {
              report.accept(
                  new Failure(
                      ErrorKind.NOT_SENT,
                      reason + " (the metadata of topic '" + topic + "' had not arrived)",
                      null,
                      p.message()));
            }
          });
      waiting.clear();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits up to {@code bound} for the waiting threads to end, so that their last reports come
   * before EOF. Called after the Kafka producer is closed, which ends their waits at once.
   */
  void join(Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    boolean interrupted = false;
    lock.lock();
    try {
      long left;
      while (!threads.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
        try {
          changed.awaitNanos(left);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (!threads.isEmpty()) {
        log.warn(
            "{} metadata wait(s) still running {} ms after the Kafka producer closed: {}",
            threads.size(),
            bound.toMillis(),
            threads);
      }
    } finally {
      lock.unlock();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The reason a message's explicit partition is refused, or {@code null} when the topic has it.
   */
  static String missingPartition(String topic, int partition, int partitions) {
    if (partition < partitions) {
      return null;
    }
    return "partition "
        + partition
        + " does not exist: topic '"
        + topic
        + "' has "
        + partitions
        + (partitions == 1 ? " partition" : " partitions")
        + " (0 to "
        + (partitions - 1)
        + ")";
  }

  /** A waiting thread: asks Kafka for the topic's partitions (blocking), then settles the topic. */
  private void await(String topic) {
    try {
      List<PartitionInfo> partitions;
      try {
        partitions = producer.partitionsFor(topic);
      } catch (RuntimeException e) {
        log.debug("no metadata for topic '{}': {}", topic, e.toString());
        fail(topic, e);
        return;
      }
      sendParked(topic, partitions.size());
    } catch (RuntimeException | Error e) {
      // A bug: the parked messages must still get an outcome.
      log.error("waiting for the metadata of topic '{}' failed", topic, e);
      fail(topic, e);
    } finally {
      lock.lock();
      try {
        threads.remove(Thread.currentThread());
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /** Sends the parked messages one by one, outside the lock (Kafka's send may block). */
  private void sendParked(String topic, int partitions) {
    while (true) {
      Parked<M> next;
      lock.lock();
      try {
        ArrayDeque<Parked<M>> parked = waiting.get(topic);
        if (parked == null) {
          return; // abandoned
        }
        next = parked.poll();
        if (next == null) {
          // The last parked message has been handed to Kafka: later ones may go straight there.
          waiting.remove(topic);
          ready.add(topic);
          changed.signalAll();
          return;
        }
      } finally {
        lock.unlock();
      }
      send(next, partitions);
    }
  }

  private void send(Parked<M> parked, int partitions) {
    ProducerRecord<byte[], byte[]> record = parked.record();
    if (record.partition() != null) {
      String missing = missingPartition(record.topic(), record.partition(), partitions);
      if (missing != null) {
        report.accept(new Failure(ErrorKind.INVALID_MESSAGE, missing, null, parked.message()));
        return;
      }
    }
    try {
      producer.send(record, callbacks.apply(parked.message()));
    } catch (RuntimeException | Error e) {
      // Unlike on the loop, an Error here would leave the message without an outcome.
      report.accept(KafkaFailures.sendFailed("could not send", e, parked.message()));
    }
  }

  /** The topic's wait failed: each parked message is reported, in order. */
  private void fail(String topic, Throwable e) {
    lock.lock();
    try {
      ArrayDeque<Parked<M>> parked = waiting.remove(topic);
      if (parked != null) {
        for (Parked<M> p : parked) {
          report.accept(KafkaFailures.sendFailed("could not send", e, p.message()));
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
