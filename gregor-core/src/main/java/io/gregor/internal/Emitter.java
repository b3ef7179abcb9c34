package io.gregor.internal;

import io.gregor.Event;
import io.gregor.EventType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves events, in the order they were offered, from any thread (including Kafka's I/O thread,
 * which must never block) to the output. The offering thread only adds the event to a queue (under
 * a lock held for that alone); the emitter's own thread takes the whole queue at once and hands it
 * to the output in batches as the reader makes room (the only waiting, and on that thread).
 *
 * <p>Memory stays bounded because most events hold one of the loop's {@code permits} until they
 * have been sent to the output: when the reader is slow, the permits run out and the loop stops
 * taking input. An event holds a permit when it was queued with {@link #offer} or {@link
 * #offerBlocking}; the few made where no permit can be waited for (while closing) are queued with
 * {@link #offerUnheld}. Events outside the output policy are never queued.
 *
 * <p>If the reader finishes the output channel itself, later events are discarded (the reader said
 * it wants no more) and their permits released, so that the producer goes on and can close.
 */
public final class Emitter<E> {
  private static final Logger log = LoggerFactory.getLogger(Emitter.class);

  private final ChunkedOutput<Event<E>> output;
  private final long capacity;
  private final Set<EventType> policy;
  private final Semaphore permits;
  private final UnreadErrors unreadErrors;
  private final Thread thread;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition queued = lock.newCondition();

  /** Events (or {@link Unheld} ones) waiting for the emitter's thread, in order; under the lock. */
  private final ArrayDeque<Object> queue = new ArrayDeque<>();

  /** Whether the emitter's thread waits for the queue; under the lock. */
  private boolean threadWaiting;

  /** Events handed to the output so far (the emitter's thread only). */
  private long appended;

  /** Starts the emitter's thread. */
  public Emitter(
      String name,
      ChunkedOutput<Event<E>> output,
      int capacity,
      Set<EventType> policy,
      Semaphore permits,
      UnreadErrors unreadErrors) {
    this.output = output;
    this.capacity = capacity;
    this.policy = policy;
    this.permits = permits;
    this.unreadErrors = unreadErrors;
    // Assigned before the thread starts: run() reads it. A virtual thread, unlike the loops' (see
    // LoopCore): it outlives a closed producer whose output nobody reads (it waits for room for
    // what is left), which must cost no OS thread; and it wakes once per batch, not per event.
    this.thread = Thread.ofVirtual().name(name).unstarted(this::run);
    thread.start();
  }

  /** Events made and errors, for statistics. */
  final Counts counts = new Counts();

  /** Whether events of this type reach the output. */
  public boolean wants(EventType type) {
    return policy.contains(type);
  }

  /**
   * Queues an event that already holds a permit. Never blocks. An event outside the policy releases
   * its permit at once.
   */
  public void offer(Event<E> event) {
    counts.error(event);
    if (policy.contains(event.type())) {
      counts.made(1);
      unreadErrors.queued(event);
      hand(event);
    } else {
      permits.release();
    }
  }

  /**
   * Takes a permit (waiting while the output is backed up), then queues the event. Waits
   * uninterruptibly: an interrupt must not lose the event; the caller sees the interrupt flag
   * afterwards.
   */
  public void offerBlocking(Event<E> event) {
    counts.error(event);
    if (policy.contains(event.type())) {
      counts.made(1);
      permits.acquireUninterruptibly();
      unreadErrors.queued(event);
      hand(event);
    }
  }

  /**
   * Queues an event that holds no permit: for the few events made where no permit can be waited for
   * (while closing). Never blocks.
   */
  public void offerUnheld(Event<E> event) {
    counts.error(event);
    if (policy.contains(event.type())) {
      counts.made(1);
      unreadErrors.queued(event);
      hand(new Unheld<>(event));
    }
  }

  private record Unheld<E>(Event<E> event) {}

  /** Into the queue, for the emitter's thread (woken if it waits). Never blocks. */
  private void hand(Object item) {
    lock.lock();
    try {
      queue.add(item);
      if (threadWaiting) {
        threadWaiting = false;
        queued.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Waits until the emitter has handed EOF over and its thread has ended. */
  public void join() throws InterruptedException {
    thread.join();
  }

  @SuppressWarnings("unchecked")
  private Event<E> cast(Object item) {
    return (Event<E>) item;
  }

  private void run() {
    List<Object> batch = new ArrayList<>(256);
    List<Event<E>> events = new ArrayList<>(256);
    while (true) {
      takeQueued(batch);
      for (Object item : batch) {
        Event<E> event = item instanceof Unheld<?>(var unheld) ? cast(unheld) : cast(item);
        events.add(event);
        if (event instanceof Event.Eof<?>) {
          break; // the last event: one made after it (a late callback) goes nowhere
        }
      }
      int from = 0;
      while (from < events.size()) {
        if (output.abandoned()) { // the reader finished the output: later events go nowhere
          log.debug("{}: the reader finished the output; discarding events", thread.getName());
          break;
        }
        int to = appendWhatFits(events, from);
        if (to == from) {
          awaitRoomUninterruptibly();
        }
        releaseHeld(batch, from, to);
        from = to;
      }
      releaseHeld(batch, from, batch.size());
      if (events.getLast() instanceof Event.Eof<?>) {
        return;
      }
      batch.clear();
      events.clear();
    }
  }

  /** Waits for queued events and takes them all. */
  private void takeQueued(List<Object> batch) {
    lock.lock();
    try {
      while (queue.isEmpty()) {
        threadWaiting = true;
        queued.awaitUninterruptibly();
      }
      batch.addAll(queue);
      queue.clear();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Hands as many of {@code events[from..]} to the output as it has room for, as one batch (one
   * lock, at most one wake of a waiting reader); returns where it stopped.
   */
  private int appendWhatFits(List<Event<E>> events, int from) {
    long room = capacity - (appended - output.received());
    int to = (int) Math.min(events.size(), from + room);
    if (to > from) {
      output.append(events, from, to, events.get(to - 1) instanceof Event.Eof<?>);
      appended += to - from;
    }
    return to;
  }

  /**
   * Releases the permits of the events in {@code batch[from, to)} that hold one, at once: one
   * update of the semaphore (and at most one wake of the loop) per batch, not per event.
   */
  private void releaseHeld(List<Object> batch, int from, int to) {
    int held = 0;
    for (int i = from; i < to; i++) {
      if (!(batch.get(i) instanceof Unheld<?>)) {
        held++;
      }
    }
    if (held > 0) {
      permits.release(held);
    }
  }

  private void awaitRoomUninterruptibly() {
    try {
      output.awaitRoom(100_000_000L);
    } catch (InterruptedException e) {
      // Nobody should interrupt this private thread; an event must not be lost to it.
      log.warn("{} was interrupted; delivering on", thread.getName());
    }
  }
}
