package io.gregor.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One progress line on a terminal, rewritten in place ({@code \r}) twice a second: records so far,
 * records per second and megabytes per second. It appears only once a run has lasted a second, so
 * that short runs print nothing extra; closing it writes the final figures and ends the line.
 */
final class Progress implements AutoCloseable {
  private static final Duration FIRST = Duration.ofSeconds(1);
  private static final Duration EVERY = Duration.ofMillis(500);

  private final PrintStream err;
  private final String label;
  private final LongSupplier records;
  private final LongSupplier bytes;
  private final long start = System.nanoTime();
  private final CountDownLatch stop = new CountDownLatch(1);
  private final Thread ticker;
  private boolean shown;

  private Progress(PrintStream err, String label, LongSupplier records, LongSupplier bytes) {
    this.err = err;
    this.label = label;
    this.records = records;
    this.bytes = bytes;
    this.ticker = Thread.ofVirtual().name("gregor-progress").start(this::tick);
  }

  /** Starts showing progress on {@code err}. */
  static Progress start(PrintStream err, String label, LongSupplier records, LongSupplier bytes) {
    return new Progress(err, label, records, bytes);
  }

  private void tick() {
    try {
      if (stop.await(FIRST.toMillis(), TimeUnit.MILLISECONDS)) {
        return;
      }
      do {
        show();
      } while (!stop.await(EVERY.toMillis(), TimeUnit.MILLISECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private synchronized void show() {
    double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
    long count = records.getAsLong();
    err.print(
        String.format(
            Locale.ROOT,
            "\r%s %d records, %.0f records/s, %.1f MB/s\033[K",
            label,
            count,
            count / seconds,
            bytes.getAsLong() / 1e6 / seconds));
    err.flush();
    shown = true;
  }

  /** Prints a line of its own above the progress line (which the next update redraws). */
  synchronized void printAbove(String line) {
    err.println(shown ? "\r\033[K" + line : line);
  }

  /** Stops; when the line was shown, writes the final figures and ends the line. */
  @Override
  public void close() {
    stop.countDown();
    try {
      ticker.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      if (shown) {
        show();
        err.println();
        err.flush();
      }
    }
  }
}
