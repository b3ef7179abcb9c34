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
import java.util.Iterator;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Consumer.process}: one virtual thread takes the consumer's events; each record goes to a
 * handler on a virtual thread, at most {@code concurrency} at once, and records of one lane (a key,
 * or a partition) one after another in offset order. A handler that returns acknowledges its
 * record; one that throws is tried again after the policy's backoff, and after the last try the
 * record goes to the policy's last step (a dead letter or an error event). Every other event goes
 * on to the channel {@link #events()}.
 *
 * <p>The dispatching thread never waits for a handler: a record whose lane is busy waits in its
 * lane, and one that finds every handler busy waits in line; so errors, rebalances and EOF go on to
 * the events channel even while every handler hangs. What waits here was delivered and is not yet
 * acknowledged, so the consumer's bound on unacknowledged records (which pauses fetching) bounds
 * it; records whose partition went away meanwhile (revoked, lost) are skipped, and purged when more
 * wait than that bound. After EOF no waiting record is started.
 */
public final class Processor<K, V, T> {
  private static final Logger log = LoggerFactory.getLogger(Processor.class);

  private final Source<Event<T>> output;
  private final PollLoop<K, V, T> loop;
  private final Ordering ordering;
  private final RecordHandler<K, V> handler;
  private final RetryPolicy retries;
  private final int concurrency;
  private final long bound;
  private final Channel<Event<T>> events;
  private final String name;

  private final Object lock = new Object();

  /** Per busy lane, the records waiting behind the one being handled. Guarded by lock. */
  private final Map<Object, ArrayDeque<Received<K, V>>> lanes = new HashMap<>();

  /** Records whose lane is free, waiting for a handler thread. Guarded by lock. */
  private final ArrayDeque<Work> ready = new ArrayDeque<>();

  /** Handler threads running. Guarded by lock. */
  private int workers;

  /** Records waiting in lanes and in line. Guarded by lock. */
  private long waiting;

  /** Whether EOF has come: no waiting record is started any more. Guarded by lock. */
  private boolean ended;

  /** A record to handle, and its lane (null: unordered). */
  private record Work(Object lane, Received<?, ?> record) {}

  /** A key's lane: records with equal keys in one topic. */
  private record KeyLane(String topic, Object key) {}

  private Processor(
      Source<Event<T>> output,
      PollLoop<K, V, T> loop,
      Ordering ordering,
      int concurrency,
      RecordHandler<K, V> handler,
      RetryPolicy retries,
      long bound,
      int eventsBuffer,
      String name) {
    this.output = output;
    this.loop = loop;
    this.ordering = ordering;
    this.handler = handler;
    this.retries = retries;
    this.concurrency = concurrency;
    this.bound = bound;
    this.events = Channel.newBufferedChannel(eventsBuffer);
    this.name = name;
  }

  /**
   * Starts processing {@code output}'s records; returns the channel of the other events.
   *
   * @param bound how many records may wait for their acknowledgement (and so here)
   */
  public static <K, V, T> Source<Event<T>> start(
      Source<Event<T>> output,
      PollLoop<K, V, T> loop,
      Ordering ordering,
      int concurrency,
      RecordHandler<K, V> handler,
      RetryPolicy retries,
      long bound,
      int eventsBuffer,
      String name) {
    var processor =
        new Processor<>(
            output, loop, ordering, concurrency, handler, retries, bound, eventsBuffer, name);
    Thread.ofVirtual().name(name).start(processor::dispatchAll);
    return processor.events;
  }

  private void dispatchAll() {
    try {
      while (true) {
        Object next = output.receiveOrClosed();
        if (next instanceof ChannelClosed) {
          end();
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
          if (event instanceof Event.Eof<T>) {
            end();
          }
          events.sendOrClosed(event); // once the user finished it, events go nowhere
          if (event instanceof Event.Eof<T>) {
            events.doneOrClosed();
            return;
          }
        }
      }
    } catch (InterruptedException e) {
      log.warn("{} was interrupted; it stops dispatching records", name);
      end();
      events.errorOrClosed(e);
    } catch (RuntimeException | Error e) {
      log.error("{} failed; it stops dispatching records", name, e);
      end();
      events.errorOrClosed(e);
    }
  }

  private void end() {
    synchronized (lock) {
      ended = true;
    }
  }

  private void dispatch(Received<K, V> record) {
    Object lane = laneOf(record);
    synchronized (lock) {
      if (lane != null) {
        ArrayDeque<Received<K, V>> behind = lanes.get(lane);
        if (behind != null) {
          behind.add(record); // its lane is busy: it goes after the records before it
          waited();
          return;
        }
        lanes.put(lane, new ArrayDeque<>());
      }
      if (workers >= concurrency) {
        ready.add(new Work(lane, record));
        waited();
        return;
      }
      workers++;
    }
    Thread.ofVirtual().name(name + "-handler").start(() -> work(new Work(lane, record)));
  }

  /** One more record waits; when more wait than the bound, those no longer waiting go. */
  private void waited() {
    if (++waiting <= bound) {
      return;
    }
    waiting -= purge(ready.iterator(), work -> work.record());
    for (ArrayDeque<Received<K, V>> behind : lanes.values()) {
      waiting -= purge(behind.iterator(), record -> record);
    }
  }

  private <E> int purge(Iterator<E> entries, java.util.function.Function<E, Received<?, ?>> of) {
    int purged = 0;
    while (entries.hasNext()) {
      if (!loop.isWaiting(of.apply(entries.next()))) {
        entries.remove();
        purged++;
      }
    }
    return purged;
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

  /** Handles {@code first}, then what waits in its lane, then what waits in line. */
  private void work(Work first) {
    Work next = first;
    while (next != null) {
      @SuppressWarnings("unchecked")
      Received<K, V> record = (Received<K, V>) next.record();
      if (loop.isWaiting(record)) { // not if its partition went away meanwhile
        handle(record);
      }
      next = following(next.lane());
    }
  }

  /** What this handler thread does next, or null when it ends. */
  private Work following(Object lane) {
    synchronized (lock) {
      if (lane != null) {
        ArrayDeque<Received<K, V>> behind = lanes.get(lane);
        Received<K, V> record = ended ? null : behind.poll();
        if (record != null) {
          waiting--;
          return new Work(lane, record);
        }
        lanes.remove(lane);
      }
      Work work = ended ? null : ready.poll();
      if (work != null) {
        waiting--;
        return work;
      }
      workers--;
      return null;
    }
  }

  private void handle(Received<K, V> record) {
    for (int attempt = 1; ; attempt++) {
      Throwable failure = null;
      try {
        handler.handle(record);
      } catch (Throwable e) { // an Error too: the lane must go on, and the record is reported
        failure = e;
      }
      if (failure == null) {
        loop.acknowledge(record);
        return;
      }
      if (attempt >= retries.maxAttempts()) {
        loop.gaveUp(record, failure, attempt);
        return;
      }
      log.debug("the handler failed on {} (try {}): {}", record.coordinates(), attempt, failure);
      try {
        Thread.sleep(retries.backoffAfter(attempt));
      } catch (InterruptedException interrupted) {
        loop.gaveUp(record, failure, attempt);
        return;
      }
    }
  }
}
