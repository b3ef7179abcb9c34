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
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>Lanes hand over without a common lock: each busy lane has its own (the dispatcher and that
 * lane's handler take it), and the handler count and the line are lock-free; one lock for all
 * showed as the top contention with thousands of handlers.
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

  /** Makes the handlers' virtual threads (named once: not a new name string per record). */
  private final ThreadFactory handlerThreads;

  /**
   * The busy lanes: a lane is here while a handler thread works through it. Only the dispatching
   * thread adds (or replaces a closed lane); the lane's handler removes it once it has closed it.
   */
  private final ConcurrentHashMap<Object, Lane> lanes = new ConcurrentHashMap<>();

  /** Records whose lane is free, waiting for a handler thread (every handler busy). */
  private final ConcurrentLinkedQueue<Work> ready = new ConcurrentLinkedQueue<>();

  /** Handler threads running, at most {@code concurrency}. */
  private final AtomicInteger workers = new AtomicInteger();

  /** Records waiting in lanes and in line. */
  private final AtomicLong waiting = new AtomicLong();

  /** Whether EOF has come: no waiting record is started any more. */
  private volatile boolean ended;

  /** A record to handle, and its lane's key and lane (null: unordered). Equal only to itself. */
  private record Work(Object key, Lane lane, Received<?, ?> record) {
    @Override
    public boolean equals(Object other) {
      return this == other;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(this);
    }
  }

  /** A key's lane: records with equal keys in one topic. */
  private record KeyLane(String topic, Object key) {}

  /**
   * A busy lane: the records waiting behind the one its handler works on, guarded by the lane's own
   * monitor (taken by the dispatcher and that one handler only, so hardly ever contended). Closed
   * by its handler when it finds nothing more: the dispatcher then starts a new lane.
   */
  private static final class Lane {
    private ArrayDeque<Received<?, ?>> behind; // made when a second record comes
    private boolean closed;

    /** Queues {@code record} behind the busy one; false when the lane has closed meanwhile. */
    synchronized boolean offer(Received<?, ?> record) {
      if (closed) {
        return false;
      }
      if (behind == null) {
        behind = new ArrayDeque<>();
      }
      behind.add(record);
      return true;
    }

    /** The next record, or null after closing the lane (or when {@code stop}). */
    synchronized Received<?, ?> next(boolean stop) {
      Received<?, ?> next = stop || behind == null ? null : behind.poll();
      if (next == null) {
        closed = true;
      }
      return next;
    }

    /** Drops the records no longer waiting; returns how many. */
    synchronized int purge(Processor<?, ?, ?> processor) {
      return behind == null ? 0 : processor.purge(behind.iterator(), record -> record);
    }
  }

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
    this.handlerThreads = Thread.ofVirtual().name(name + "-handler").factory();
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
    ended = true;
  }

  private void dispatch(Received<K, V> record) {
    Object key = laneOf(record);
    Lane lane = null;
    if (key != null) {
      lane = new Lane();
      Lane busy = lanes.putIfAbsent(key, lane);
      if (busy != null) {
        if (busy.offer(record)) {
          waited(); // its lane is busy: it goes after the records before it
          return;
        }
        lanes.put(key, lane); // closed meanwhile; only this thread adds, so no other races
      }
    }
    Work work = new Work(key, lane, record);
    if (claimWorker()) {
      start(work);
      return;
    }
    ready.add(work);
    waited();
    startReadyIfFree();
  }

  /**
   * Starts what waits in line while handler slots are free: after adding to the line, since every
   * handler may have ended between the failed claim and the add, and then nobody would take it.
   */
  private void startReadyIfFree() {
    while (!ready.isEmpty() && claimWorker()) {
      Work next = takeReady();
      if (next == null) {
        workers.decrementAndGet();
        return;
      }
      start(next);
    }
  }

  private void start(Work work) {
    handlerThreads.newThread(() -> work(work)).start();
  }

  /** Takes a handler slot if one is free. */
  private boolean claimWorker() {
    for (int running = workers.get(); running < concurrency; running = workers.get()) {
      if (workers.compareAndSet(running, running + 1)) {
        return true;
      }
    }
    return false;
  }

  private Work takeReady() {
    Work work = ready.poll();
    if (work != null) {
      waiting.decrementAndGet();
    }
    return work;
  }

  /** One more record waits; when more wait than the bound, those no longer waiting go. */
  private void waited() {
    if (waiting.incrementAndGet() <= bound) {
      return;
    }
    for (Lane lane : lanes.values()) {
      waiting.addAndGet(-lane.purge(this));
    }
    // A record in line that no longer waits goes; if it heads a lane, the lane's next (or, if
    // none is left, the lane's end) takes its place, so that the lane is not left without handler.
    List<Work> replacements = new ArrayList<>();
    for (Work work : ready) {
      if (loop.isWaiting(work.record())) {
        continue;
      }
      if (!ready.remove(work)) {
        continue; // a handler has just taken it
      }
      waiting.decrementAndGet();
      if (work.lane() != null) {
        Received<?, ?> next = work.lane().next(false);
        if (next == null) {
          lanes.remove(work.key(), work.lane());
        } else {
          replacements.add(new Work(work.key(), work.lane(), next)); // still counted as waiting
        }
      }
    }
    ready.addAll(replacements);
    startReadyIfFree();
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
      next = following(next);
    }
  }

  /** What this handler thread does next, or null when it ends. */
  private Work following(Work done) {
    Lane lane = done.lane();
    if (lane != null) {
      Received<?, ?> record = lane.next(ended);
      if (record != null) {
        waiting.decrementAndGet();
        return new Work(done.key(), lane, record);
      }
      lanes.remove(done.key(), lane); // unless the dispatcher has replaced it already
    }
    while (true) {
      Work work = ended ? null : takeReady();
      if (work != null) {
        return work;
      }
      workers.decrementAndGet();
      // A record may have gone in line between the poll and the decrement: take it if so.
      if (ended || ready.isEmpty() || !claimWorker()) {
        return null;
      }
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
