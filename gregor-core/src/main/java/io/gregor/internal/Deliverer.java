package io.gregor.internal;

import io.gregor.Event;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the poll loop's events on the output channel, on the loop's own thread, without ever
 * blocking it: an event is sent only while the channel has room for it (the loop is the only
 * sender, and the output counts what readers take, so {@code sent - received} bounds what the
 * channel holds); the others wait here, in order, and go as soon as readers make room. The loop
 * reads {@link #queued()} to pause its partitions when too many wait (backpressure), and asks to be
 * woken when readers have made room ({@link #notifyWhenLow}). A run of records ({@link
 * DeferredRecords}) counts as one event per record; one that only partly fits is split.
 *
 * <p>One hop from the poll loop to the reader, and no thread of its own: at close, only if events
 * are still waiting, a virtual thread finishes sending them (and EOF) so that close never waits for
 * a reader.
 *
 * <p>If the reader finishes the output channel itself, it wants no more: the deliverer is {@link
 * #abandoned()} and drops what it holds and what comes later.
 */
final class Deliverer<T> {
  private static final Logger log = LoggerFactory.getLogger(Deliverer.class);

  private final ChunkedOutput<Event<T>> output;
  private final long capacity;
  private final UnreadErrors unreadErrors;

  /** Entries waiting for room: events, and runs of records that stand for one data event each. */
  private final ArrayDeque<Object> waiting = new ArrayDeque<>();

  /** How many events the waiting entries stand for. */
  private long waitingEvents;

  /** A reusable list for what goes to the output at once. */
  private final ArrayList<Object> moving = new ArrayList<>();

  private long sent;
  private boolean abandoned;
  private boolean finished;

  Deliverer(ChunkedOutput<Event<T>> output, int capacity, UnreadErrors unreadErrors) {
    this.output = output;
    this.capacity = capacity;
    this.unreadErrors = unreadErrors;
  }

  /**
   * Hands the output the batch's entries (events, and runs of records: {@link DeferredRecords}) it
   * has room for, at once, and keeps the rest in order.
   */
  void deliver(List<?> batch) {
    if (abandoned || finished || batch.isEmpty()) {
      return;
    }
    for (Object entry : batch) {
      if (entry instanceof Event<?> event) {
        unreadErrors.queued(event);
      }
    }
    if (checkAbandoned()) {
      return;
    }
    for (Object entry : batch) {
      waiting.add(entry);
      waitingEvents += DeferredRecords.events(entry);
    }
    pump();
  }

  /** Events made but not yet in the output (after handing over what now fits). */
  long queued() {
    pump();
    return waitingEvents;
  }

  /** Events made but not yet in the output (without trying to hand any over). */
  long waiting() {
    return waitingEvents;
  }

  /** Whether the reader finished the output itself: nothing more reaches it. */
  boolean abandoned() {
    return checkAbandoned();
  }

  /**
   * Asks for the loop to be woken (by the reader's thread) once the output is at most half full, so
   * that waiting events (or, when {@code recordsWaiting}, records) go on promptly.
   */
  void notifyWhenLow(boolean recordsWaiting) {
    if (!waiting.isEmpty() || recordsWaiting) {
      output.wakeWhenReceived(Math.max(1, sent - capacity / 2));
    }
  }

  /**
   * Hands over what is left and finishes the output after EOF (which the loop has delivered last);
   * waits for no reader: when events still wait for room, a virtual thread hands them over.
   */
  void finish(String name) {
    finished = true;
    pump();
    if (abandoned || waiting.isEmpty()) {
      return;
    }
    Thread.ofVirtual()
        .name(name)
        .start(
            () -> {
              try {
                while (!waiting.isEmpty() && !checkAbandoned()) {
                  if (room() == 0) {
                    output.awaitRoom(1_000_000_000L);
                  }
                  pump();
                }
              } catch (InterruptedException e) {
                output.doneOrClosed();
              }
            });
  }

  private long room() {
    return capacity - (sent - output.received());
  }

  private boolean checkAbandoned() {
    if (!abandoned && output.abandoned()) {
      log.debug("the output was finished by its reader; later events are dropped");
      abandoned = true;
      waiting.clear();
      waitingEvents = 0;
    }
    return abandoned;
  }

  private void pump() {
    if (waiting.isEmpty() || checkAbandoned()) {
      return;
    }
    long room = room();
    int count = 0;
    while (room > 0 && !waiting.isEmpty()) {
      Object entry = waiting.peek();
      int events = DeferredRecords.events(entry);
      if (events <= room) {
        moving.add(waiting.poll());
      } else {
        events = (int) room; // a run that only partly fits: its front goes now
        moving.add(((DeferredRecords<?, ?>) entry).takeFront(events));
      }
      room -= events;
      count += events;
    }
    if (!moving.isEmpty()) {
      boolean last = moving.getLast() instanceof Event.Eof<?>;
      output.append(moving, 0, moving.size(), last);
      sent += count;
      waitingEvents -= count;
      moving.clear();
    }
  }
}
