package io.gregor.internal;

import io.gregor.Event;
import io.gregor.EventType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves events, in the order they were offered, from any thread (including Kafka's I/O thread,
 * which must never block) to the output channel, whose {@code send} may block while the reader is
 * slow. Its own thread does the blocking.
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

  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final ChunkedOutput<Event<E>> output;
  private final long capacity;
  private final Set<EventType> policy;
  private final Semaphore permits;
  private final UnreadErrors unreadErrors;
  private final Thread thread;

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
    // Assigned before the thread starts: run() reads it.
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
      queue.add(event);
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
      queue.add(event);
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
      queue.add(new Unheld<>(event));
    }
  }

  private record Unheld<E>(Event<E> event) {}

  /** Waits until the emitter has sent EOF and finished the output channel. */
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
    long appended = 0;
    while (true) {
      batch.add(takeUninterruptibly());
      queue.drainTo(batch, 255);
      for (Object item : batch) {
        events.add(item instanceof Unheld<?>(var event) ? cast(event) : cast(item));
      }
      // Handed to the output as a batch: one lock, and one wake of a waiting reader, for all.
      int from = 0;
      while (from < events.size() && !output.abandoned()) {
        long room = capacity - (appended - output.received());
        if (room == 0) {
          awaitRoomUninterruptibly();
          continue;
        }
        int to = (int) Math.min(events.size(), from + room);
        boolean last = events.get(to - 1) instanceof Event.Eof<?>;
        output.append(events, from, to, last);
        releaseHeld(batch, from, to);
        appended += to - from;
        from = to;
      }
      if (from < events.size()) { // the reader finished the output: later events go nowhere
        log.debug("{}: the reader finished the output; discarding events", thread.getName());
        releaseHeld(batch, from, events.size());
      }
      if (events.getLast() instanceof Event.Eof<?>) {
        return;
      }
      batch.clear();
      events.clear();
    }
  }

  /** Releases the permits of the events in {@code batch[from, to)} that hold one. */
  private void releaseHeld(List<Object> batch, int from, int to) {
    for (int i = from; i < to; i++) {
      if (!(batch.get(i) instanceof Unheld<?>)) {
        permits.release();
      }
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

  private Object takeUninterruptibly() {
    while (true) {
      try {
        return queue.take();
      } catch (InterruptedException e) {
        log.warn("{} was interrupted; going on", thread.getName());
      }
    }
  }
}
