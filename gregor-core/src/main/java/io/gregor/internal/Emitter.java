package io.gregor.internal;

import com.softwaremill.jox.Channel;
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
 * <p>Memory stays bounded because every {@link Event.Data} and {@link Event.Error} event holds one
 * of the loop's {@code permits} until it has been sent to the output: when the reader is slow, the
 * permits run out and the loop stops taking input. Control events and EOF hold none (there are few;
 * close must not wait for permits). Events outside the output policy are never queued.
 */
public final class Emitter<E> {
  private static final Logger log = LoggerFactory.getLogger(Emitter.class);

  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final Channel<Event<E>> output;
  private final Set<EventType> policy;
  private final Semaphore permits;
  private final Thread thread;

  /** Starts the emitter's thread. */
  public Emitter(String name, Channel<Event<E>> output, Set<EventType> policy, Semaphore permits) {
    this.output = output;
    this.policy = policy;
    this.permits = permits;
    this.thread = Thread.ofVirtual().name(name).start(this::run);
  }

  /** Whether events of this type reach the output. */
  public boolean wants(EventType type) {
    return policy.contains(type);
  }

  /**
   * Queues an event that already holds a permit (Data and Error), or needs none (Control, Eof).
   * Never blocks. An event outside the policy releases its permit at once.
   */
  public void offer(Event<E> event) {
    if (policy.contains(event.type())) {
      queue.add(event);
    } else if (holdsPermit(event)) {
      permits.release();
    }
  }

  /** Takes a permit (blocking while the output is backed up), then queues the event. */
  public void offerBlocking(Event<E> event) throws InterruptedException {
    if (!policy.contains(event.type())) {
      return;
    }
    if (holdsPermit(event)) {
      permits.acquire();
    }
    queue.add(event);
  }

  /**
   * Queues an event that holds no permit, whatever its type: for the few events made where no
   * permit can be waited for (while closing). Never blocks.
   */
  public void offerUnheld(Event<E> event) {
    if (policy.contains(event.type())) {
      queue.add(new Unheld<>(event));
    }
  }

  private record Unheld<E>(Event<E> event) {}

  /** Waits until the emitter has sent EOF and finished the output channel. */
  public void join() throws InterruptedException {
    thread.join();
  }

  private static boolean holdsPermit(Event<?> event) {
    return event instanceof Event.Data<?> || event instanceof Event.Error<?>;
  }

  @SuppressWarnings("unchecked")
  private Event<E> cast(Object item) {
    return (Event<E>) item;
  }

  private void run() {
    List<Object> batch = new ArrayList<>(256);
    try {
      while (true) {
        batch.add(queue.take());
        queue.drainTo(batch, 255);
        for (Object item : batch) {
          Event<E> event;
          if (item instanceof Unheld<?> unheld) {
            event = cast(unheld.event());
            output.send(event);
          } else {
            event = cast(item);
            output.send(event);
            if (holdsPermit(event)) {
              permits.release();
            }
          }
          if (event instanceof Event.Eof<?>) {
            output.done();
            return;
          }
        }
        batch.clear();
      }
    } catch (InterruptedException e) {
      log.debug("emitter {} interrupted; closing the output", thread.getName());
      output.doneOrClosed();
    } catch (RuntimeException e) {
      log.error("emitter {} failed; closing the output with the error", thread.getName(), e);
      output.errorOrClosed(e);
    }
  }
}
