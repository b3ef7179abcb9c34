package io.gregor.internal;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.Source;
import io.gregor.Event;
import io.gregor.Ordering;
import io.gregor.Received;
import io.gregor.RecordHandler;
import io.gregor.RetryPolicy;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Consumer.process}: one virtual thread takes the consumer's events; each record goes to a
 * handler on a virtual thread of its own, at most {@code concurrency} at once, and records of one
 * lane (a key, or a partition) one after another in offset order. A handler that returns
 * acknowledges its record; one that throws is tried again after the policy's backoff, and after the
 * last try the record goes to the policy's last step (a dead letter or an error event). Every other
 * event goes on to the channel {@link #events()}.
 *
 * <p>Memory: records waiting in a lane were delivered and are not yet acknowledged, so the
 * consumer's bound on unacknowledged records (which pauses fetching) bounds them too.
 */
public final class Processor<K, V, T> {
  private static final Logger log = LoggerFactory.getLogger(Processor.class);

  private final Source<Event<T>> output;
  private final PollLoop<K, V, T> loop;
  private final Ordering ordering;
  private final RecordHandler<K, V> handler;
  private final RetryPolicy retries;
  private final Semaphore permits;
  private final Channel<Event<T>> events;
  private final String name;

  /** Per lane, the records waiting for the one being handled; guarded by itself. */
  private final Map<Object, ArrayDeque<Received<K, V>>> lanes = new HashMap<>();

  /** A key's lane: records with equal keys in one topic. */
  private record KeyLane(String topic, Object key) {}

  private Processor(
      Source<Event<T>> output,
      PollLoop<K, V, T> loop,
      Ordering ordering,
      int concurrency,
      RecordHandler<K, V> handler,
      RetryPolicy retries,
      int eventsBuffer,
      String name) {
    this.output = output;
    this.loop = loop;
    this.ordering = ordering;
    this.handler = handler;
    this.retries = retries;
    this.permits = new Semaphore(concurrency);
    this.events = Channel.newBufferedChannel(eventsBuffer);
    this.name = name;
  }

  /** Starts processing {@code output}'s records; returns the channel of the other events. */
  public static <K, V, T> Source<Event<T>> start(
      Source<Event<T>> output,
      PollLoop<K, V, T> loop,
      Ordering ordering,
      int concurrency,
      RecordHandler<K, V> handler,
      RetryPolicy retries,
      int eventsBuffer,
      String name) {
    var processor =
        new Processor<>(output, loop, ordering, concurrency, handler, retries, eventsBuffer, name);
    Thread.ofVirtual().name(name).start(processor::dispatch);
    return processor.events;
  }

  private void dispatch() {
    try {
      while (true) {
        Object next = output.receiveOrClosed();
        if (next instanceof ChannelClosed) {
          events.doneOrClosed();
          return;
        }
        @SuppressWarnings("unchecked")
        Event<T> event = (Event<T>) next;
        if (event instanceof Event.Data<T>(var value) && value instanceof Received<?, ?> record) {
          @SuppressWarnings("unchecked")
          Received<K, V> typed = (Received<K, V>) record;
          dispatch(typed);
        } else {
          events.sendOrClosed(event); // once the user finished it, events go nowhere
          if (event instanceof Event.Eof<T>) {
            events.doneOrClosed();
            return;
          }
        }
      }
    } catch (InterruptedException e) {
      log.warn("{} was interrupted; it stops dispatching records", name);
      events.errorOrClosed(e);
    }
  }

  private void dispatch(Received<K, V> record) throws InterruptedException {
    Object lane = laneOf(record);
    if (lane != null) {
      synchronized (lanes) {
        ArrayDeque<Received<K, V>> waiting = lanes.get(lane);
        if (waiting != null) {
          waiting.add(record); // its lane is busy: it goes after the records before it
          return;
        }
        lanes.put(lane, new ArrayDeque<>());
      }
    }
    permits.acquire();
    try {
      Thread.ofVirtual().name(name + "-handler").start(() -> run(lane, record));
    } catch (RuntimeException | Error e) {
      permits.release();
      throw e;
    }
  }

  private Object laneOf(Received<K, V> record) {
    return switch (ordering) {
      case UNORDERED -> null;
      case PARTITION -> record.topicPartition();
      // Records without a key have no key order to keep: their partition's order is kept.
      case KEY ->
          record.key() == null
              ? record.topicPartition()
              : new KeyLane(record.topic(), comparable(record.key()));
    };
  }

  /** Keys compared by content: byte arrays compare by identity. */
  private static Object comparable(Object key) {
    return key instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : key;
  }

  /** Handles {@code first}, then whatever waits in its lane, one after another. */
  private void run(Object lane, Received<K, V> first) {
    try {
      Received<K, V> next = first;
      while (next != null) {
        handle(next);
        if (lane == null) {
          return;
        }
        synchronized (lanes) {
          ArrayDeque<Received<K, V>> waiting = lanes.get(lane);
          next = waiting.poll();
          if (next == null) {
            lanes.remove(lane);
          }
        }
      }
    } finally {
      permits.release();
    }
  }

  private void handle(Received<K, V> record) {
    for (int attempt = 1; ; attempt++) {
      try {
        handler.handle(record);
        loop.acknowledge(record);
        return;
      } catch (Throwable e) { // an Error too: the lane must go on, and the record is reported
        if (attempt >= retries.maxAttempts()) {
          loop.gaveUp(record, e, attempt);
          return;
        }
        log.debug("the handler failed on {} (try {}): {}", record.coordinates(), attempt, e);
        try {
          Thread.sleep(retries.backoffAfter(attempt));
        } catch (InterruptedException interrupted) {
          loop.gaveUp(record, e, attempt);
          return;
        }
      }
    }
  }
}
