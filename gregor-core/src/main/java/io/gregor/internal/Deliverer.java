package io.gregor.internal;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelClosed;
import io.gregor.Event;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the poll loop's batches of events to the output channel on its own thread, so that the loop
 * never blocks on a slow reader. The loop reads {@link #queued()} to decide when to pause its
 * partitions (backpressure); {@code onLow} is called when the queue has drained to the low
 * watermark while the loop asked to be told.
 *
 * <p>If the reader finishes the output channel itself, it wants no more: the deliverer is {@link
 * #abandoned()}, drops what it holds and what comes later, calls {@code onLow} once so that the
 * loop notices, and its thread ends.
 */
final class Deliverer<T> {
  private static final Logger log = LoggerFactory.getLogger(Deliverer.class);

  private final LinkedBlockingQueue<List<Event<T>>> batches = new LinkedBlockingQueue<>();
  private final AtomicLong queued = new AtomicLong();
  private final Channel<Event<T>> output;
  private final Runnable onLow;
  private final long lowWatermark;
  private volatile boolean notifyWhenLow;
  private volatile boolean abandoned;
  private final Thread thread;

  Deliverer(String name, Channel<Event<T>> output, long lowWatermark, Runnable onLow) {
    this.output = output;
    this.lowWatermark = lowWatermark;
    this.onLow = onLow;
    this.thread = Thread.ofVirtual().name(name).start(this::run);
  }

  /** Hands over a batch; never blocks. */
  void deliver(List<Event<T>> batch) {
    if (!batch.isEmpty() && !abandoned) {
      queued.addAndGet(batch.size());
      batches.add(batch);
    }
  }

  /** Events handed over but not yet in the output channel. */
  long queued() {
    return queued.get();
  }

  /** Whether the reader finished the output channel itself: nothing more reaches it. */
  boolean abandoned() {
    return abandoned;
  }

  /** Asks for one call of {@code onLow} once the queue is at or below the low watermark. */
  void notifyWhenLow() {
    notifyWhenLow = true;
    if (queued.get() <= lowWatermark) {
      notifyWhenLow = false;
      onLow.run();
    }
  }

  void join() throws InterruptedException {
    thread.join();
  }

  private void run() {
    try {
      while (true) {
        List<Event<T>> batch = batches.take();
        for (Event<T> event : batch) {
          if (output.sendOrClosed(event) instanceof ChannelClosed) {
            log.debug("the output was finished by its reader; later events are dropped");
            abandoned = true;
            batches.clear();
            onLow.run();
            return;
          }
          if (event instanceof Event.Eof<?>) {
            output.done();
            return;
          }
        }
        long left = queued.addAndGet(-batch.size());
        if (notifyWhenLow && left <= lowWatermark) {
          notifyWhenLow = false;
          onLow.run();
        }
      }
    } catch (InterruptedException e) {
      log.debug("deliverer interrupted; finishing the output");
      output.doneOrClosed();
    } catch (RuntimeException e) {
      log.error("deliverer failed; closing the output with the error", e);
      output.errorOrClosed(e);
    }
  }
}
