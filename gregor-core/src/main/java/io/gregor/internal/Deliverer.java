package io.gregor.internal;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelClosed;
import io.gregor.Event;
import java.util.ArrayDeque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the poll loop's events on the output channel, on the loop's own thread, without ever
 * blocking it: an event is sent only while the channel has room for it (the loop is the only
 * sender, and the output counts what readers take, so {@code sent - received} bounds what the
 * channel holds); the others wait here, in order, and go as soon as readers make room. The loop
 * reads {@link #queued()} to pause its partitions when too many wait (backpressure), and asks to be
 * woken when readers have made room ({@link #notifyWhenLow}).
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

  private final Channel<Event<T>> output;
  private final ReceiptCountingSource<Event<T>> receipts;
  private final long capacity;
  private final UnreadErrors unreadErrors;
  private final ArrayDeque<Event<T>> waiting = new ArrayDeque<>();
  private long sent;
  private boolean abandoned;
  private boolean finished;

  Deliverer(
      Channel<Event<T>> output,
      ReceiptCountingSource<Event<T>> receipts,
      int capacity,
      UnreadErrors unreadErrors) {
    this.output = output;
    this.receipts = receipts;
    this.capacity = capacity;
    this.unreadErrors = unreadErrors;
  }

  /** Sends the batch's events the channel has room for, and keeps the rest in order. */
  void deliver(List<Event<T>> batch) {
    if (abandoned || finished) {
      return;
    }
    for (Event<T> event : batch) {
      unreadErrors.queued(event);
    }
    if (waiting.isEmpty()) {
      int i = 0;
      long room = room();
      while (i < batch.size() && room > 0 && !abandoned) {
        send(batch.get(i++));
        room--;
      }
      for (; i < batch.size() && !abandoned; i++) {
        waiting.add(batch.get(i));
      }
    } else {
      waiting.addAll(batch);
      pump();
    }
  }

  /** Events made but not yet in the output channel (after sending what now fits). */
  long queued() {
    pump();
    return waiting.size();
  }

  /** Events made but not yet in the output channel (without trying to send any). */
  int waiting() {
    return waiting.size();
  }

  /** Whether the reader finished the output channel itself: nothing more reaches it. */
  boolean abandoned() {
    return abandoned;
  }

  /**
   * Asks for the loop to be woken (by the reader's thread) once the channel is at most half full,
   * so that waiting events (or, when {@code recordsWaiting}, records) go on promptly.
   */
  void notifyWhenLow(boolean recordsWaiting) {
    if (!waiting.isEmpty() || recordsWaiting) {
      receipts.wakeWhenReceived(Math.max(1, sent - capacity / 2));
    }
  }

  /**
   * Sends what is left and finishes the output after EOF (which the loop has delivered last); waits
   * for no reader: when events still wait for room, a virtual thread sends them.
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
                for (Event<T> event = waiting.poll(); event != null; event = waiting.poll()) {
                  if (!(output.sendOrClosed(event) instanceof ChannelClosed)
                      && event instanceof Event.Eof<?>) {
                    output.done();
                  }
                }
              } catch (InterruptedException e) {
                output.doneOrClosed();
              }
            });
  }

  private long room() {
    return capacity - (sent - receipts.received());
  }

  private void pump() {
    long room = room();
    while (room > 0 && !waiting.isEmpty() && !abandoned) {
      send(waiting.poll());
      room--;
    }
  }

  /** Sends one event into a channel known to have room (so this never waits). */
  private void send(Event<T> event) {
    Object result;
    boolean interrupted = Thread.interrupted(); // a pending interrupt must not lose the event
    while (true) {
      try {
        result = output.sendOrClosed(event);
        break;
      } catch (InterruptedException e) {
        interrupted = true; // there is room, so trying again does not wait
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt(); // for the loop to see
    }
    if (result instanceof ChannelClosed) {
      log.debug("the output was finished by its reader; later events are dropped");
      abandoned = true;
      waiting.clear();
      return;
    }
    sent++;
    if (event instanceof Event.Eof<?>) {
      output.done();
    }
  }
}
