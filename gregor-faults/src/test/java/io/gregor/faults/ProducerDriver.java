package io.gregor.faults;

import com.softwaremill.jox.ChannelClosedException;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.Failure;
import io.gregor.Message;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import io.gregor.Sent;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one Gregor producer for a scenario: a sender thread hands it {@link Ids unique ids} at a
 * steady rate, and a reader thread records each outcome (a {@code Sent} as acknowledged, an error
 * naming the message as failed) in the history. Every other error is kept for the scenario to
 * judge.
 *
 * <p>The output policy is {@code DATA}, {@code ERROR} and {@code CONTROL} whatever the settings
 * say, so that every message's outcome is seen.
 */
final class ProducerDriver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProducerDriver.class);

  private final String name;
  private final History.Recorder recorder;
  private final Producer<Message<String, String>, String, String> producer;
  private final Thread reader;
  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicInteger outcomes = new AtomicInteger();
  private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
  private final List<Failure> failures = new CopyOnWriteArrayList<>();
  private final List<Failure> unattributed = new CopyOnWriteArrayList<>();
  private volatile Thread sender;
  private volatile Throwable senderFailure;
  private volatile boolean eof;

  ProducerDriver(
      String name,
      ProducerSettings<Message<String, String>, String, String> settings,
      History.Recorder recorder) {
    this.name = name;
    this.recorder = recorder;
    this.producer =
        Producer.create(
            settings.withOutputPolicy(EventType.DATA, EventType.ERROR, EventType.CONTROL));
    this.reader = Thread.ofVirtual().name(name + "-reader").start(this::readOutcomes);
  }

  /** The producer itself, for operations such as {@code partitionsFor}. */
  Producer<Message<String, String>, String, String> producer() {
    return producer;
  }

  /**
   * Starts sending {@code count} messages to {@code topic}, ids {@code first} to {@code
   * first+count-1}, over {@code keys} keys, at {@code perSecond} messages a second (the pace of a
   * steady load, so that faults land mid-stream).
   */
  void send(String topic, int first, int count, int keys, int perSecond) {
    if (sender != null) {
      throw new IllegalStateException(name + " is already sending");
    }
    sender =
        Thread.ofVirtual()
            .name(name + "-sender")
            .start(
                () -> {
                  long start = System.nanoTime();
                  long interval = TimeUnit.SECONDS.toNanos(1) / perSecond;
                  try {
                    for (int i = 0; i < count; i++) {
                      int n = first + i;
                      long due = start + i * interval - System.nanoTime();
                      if (due > 0) {
                        LockSupport.parkNanos(due);
                      }
                      String id = Ids.id(n);
                      String key = Ids.key(n, keys);
                      recorder.produced(id, key, null);
                      producer.input().send(Message.of(topic, key, id));
                      sent.incrementAndGet();
                    }
                  } catch (ChannelClosedException e) {
                    recorder.note(name + ": the input closed after " + sent.get() + " messages");
                  } catch (Throwable e) {
                    senderFailure = e;
                  }
                });
  }

  private void readOutcomes() {
    try {
      while (true) {
        switch (producer.output().receive()) {
          case Event.Data<Sent<String, String>>(var s) -> {
            recorder.acknowledged(s.message().value(), s.partition(), s.offset());
            acknowledged.add(s.message().value());
            outcomes.incrementAndGet();
          }
          case Event.Error<Sent<String, String>>(var failure) -> {
            if (failure.subject() instanceof Message<?, ?> message
                && message.value() instanceof String id) {
              recorder.failed(id, failure.kind() + ": " + failure.message());
              failures.add(failure);
              outcomes.incrementAndGet();
            } else {
              log.warn("{}: error naming no message: {}", name, failure);
              unattributed.add(failure);
            }
          }
          case Event.Eof<Sent<String, String>>() -> {
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

  /** Messages the producer has taken. */
  int sent() {
    return sent.get();
  }

  /** Outcomes seen: acknowledgements plus failures naming a message. */
  int outcomes() {
    return outcomes.get();
  }

  Set<String> acknowledged() {
    return Set.copyOf(acknowledged);
  }

  /** The error events that named a message (it was not sent). */
  List<Failure> failures() {
    return List.copyOf(failures);
  }

  /** The error events that named no message. */
  List<Failure> unattributed() {
    return List.copyOf(unattributed);
  }

  /** Waits until the sender has handed over every message; fails after {@code bound}. */
  void awaitSent(Duration bound) throws InterruptedException {
    if (!sender.join(bound)) {
      throw new AssertionError(
          name + ": the sender handed over " + sent.get() + " messages in " + bound + ", not all");
    }
    if (senderFailure != null) {
      throw new AssertionError(name + ": the sender failed", senderFailure);
    }
  }

  /** Waits until every message handed over has its outcome; fails after {@code bound}. */
  void awaitOutcomes(Duration bound) {
    Waits.until(
        name + ": an outcome for each of the " + sent.get() + " messages sent",
        bound,
        () -> outcomes.get() >= sent.get());
  }

  /** Closes the producer and waits for its output to end, within {@code bound}. */
  void close(Duration bound) throws InterruptedException {
    producer.close();
    if (!reader.join(bound)) {
      throw new AssertionError(name + ": the output did not end within " + bound + " of close");
    }
    if (!eof) {
      throw new AssertionError(name + ": the output ended without Eof");
    }
  }

  @Override
  public void close() {
    producer.close();
    reader.interrupt();
    var current = sender;
    if (current != null) {
      current.interrupt();
    }
  }
}
