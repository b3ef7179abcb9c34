package io.gregor.internal;

import io.gregor.ErrorKind;
import io.gregor.Event;
import io.gregor.Failure;
import io.gregor.GregorException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Error events on their way to the output and not yet taken by a reader, so that close can say so
 * instead of letting them go unseen (the output outlives close, but an application that closes
 * without reading it never sees them).
 *
 * <p>Counts per kind the errors queued for the output and the errors readers took, and keeps the
 * latest few unread ones as examples. Bounded: counters, and {@value #EXAMPLES} references.
 * Thread-safe: errors are queued by the loop (and Kafka's I/O thread), taken by any reader.
 */
public final class UnreadErrors {
  static final int EXAMPLES = 3;

  /** How long close waits at most for a reader that is still taking events. */
  static final Duration GRACE = Duration.ofMillis(500);

  /** How long without a taken event means nobody is reading. */
  private static final Duration STILL_READING = Duration.ofMillis(50);

  private static final ErrorKind[] KINDS = ErrorKind.values();

  private static final LongSupplier NOTHING_TAKEN = () -> 0;

  private final AtomicLongArray queued = new AtomicLongArray(KINDS.length);
  private final AtomicLongArray taken = new AtomicLongArray(KINDS.length);

  /** How many events readers took from the output, in all; what says that someone is reading. */
  private volatile LongSupplier eventsTaken = NOTHING_TAKEN;

  private final Failure[] examples = new Failure[EXAMPLES];
  private int nextExample;
  private volatile boolean readerFinished;
  private final AtomicBoolean reported = new AtomicBoolean();

  /** An event goes to the output (it is within the output policy). */
  void queued(Event<?> event) {
    if (event instanceof Event.Error<?>(Failure failure)) {
      queued.incrementAndGet(failure.kind().ordinal());
      synchronized (examples) {
        examples[nextExample] = failure;
        nextExample = (nextExample + 1) % EXAMPLES;
      }
    }
  }

  /**
   * The output readers take from counts the events they take: close watches it. One output per
   * instance.
   *
   * @throws IllegalStateException when an output already counts them
   */
  void countsTakenBy(LongSupplier eventsTaken) {
    if (this.eventsTaken != NOTHING_TAKEN) {
      throw new IllegalStateException("the errors of one output only");
    }
    this.eventsTaken = eventsTaken;
  }

  /** A reader took an element from the output. */
  void taken(Object element) {
    if (element instanceof Event.Error<?>(Failure failure)) {
      taken.incrementAndGet(failure.kind().ordinal());
      synchronized (examples) {
        for (int i = 0; i < EXAMPLES; i++) {
          if (examples[i] == failure) {
            examples[i] = null;
          }
        }
      }
    }
  }

  /** The reader finished the output itself: it wants no more, and later events are dropped. */
  void readerFinished() {
    readerFinished = true;
  }

  /** How many queued errors no reader has taken. */
  long unread() {
    long unread = 0;
    for (int i = 0; i < KINDS.length; i++) {
      unread += queued.get(i) - taken.get(i);
    }
    return unread;
  }

  /**
   * Once the client is closed: gives a reader that is still taking events up to {@link #GRACE} to
   * take the errors; then, if errors are left unread (and the reader did not finish the output
   * itself), logs them at WARN, or throws when {@code fail}. Reports once; later calls do nothing.
   *
   * @throws GregorException when {@code fail} and errors were left unread
   */
  public void reportAtClose(String client, boolean fail, Logger log) {
    if (!reported.compareAndSet(false, true)) {
      return;
    }
    awaitReader();
    if (readerFinished || unread() == 0) {
      return;
    }
    String summary = client + " closed with " + describe();
    if (fail) {
      throw new GregorException(new Failure(firstUnreadKind(), summary, null, examples()));
    }
    log.warn("{}", summary);
  }

  private void awaitReader() {
    long deadline = System.nanoTime() + GRACE.toNanos();
    long seen = progress();
    while (unread() > 0 && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(STILL_READING.toNanos());
      long now = progress();
      if (now == seen) {
        return; // nobody is reading
      }
      seen = now;
    }
  }

  /** What moves while someone reads: events taken from the output, and errors taken. */
  private long progress() {
    long progress = eventsTaken.getAsLong();
    for (int i = 0; i < KINDS.length; i++) {
      progress += taken.get(i);
    }
    return progress;
  }

  /**
   * For example {@code 5000 error events unread (INVALID_MESSAGE: 5000); for example: ...}.
   * Package-private for tests.
   */
  String describe() {
    Map<ErrorKind, Long> counts = new EnumMap<>(ErrorKind.class);
    long total = 0;
    for (int i = 0; i < KINDS.length; i++) {
      long unread = queued.get(i) - taken.get(i);
      if (unread > 0) {
        counts.put(KINDS[i], unread);
        total += unread;
      }
    }
    StringBuilder text =
        new StringBuilder()
            .append(total)
            .append(total == 1 ? " error event" : " error events")
            .append(" nobody read from its output (");
    String separator = "";
    for (var entry : counts.entrySet()) {
      text.append(separator).append(entry.getKey()).append(": ").append(entry.getValue());
      separator = ", ";
    }
    text.append(")");
    List<Failure> examples = examples();
    if (!examples.isEmpty()) {
      text.append("; for example:");
      for (Failure failure : examples) {
        text.append(" [")
            .append(failure.kind())
            .append(": ")
            .append(failure.message())
            .append(failure.subject() == null ? "" : " -- " + failure.subject())
            .append("]");
      }
    }
    return text.toString();
  }

  /** The kind of the summary: FATAL when the client failed, else the first kind left unread. */
  private ErrorKind firstUnreadKind() {
    int fatal = ErrorKind.FATAL.ordinal();
    if (queued.get(fatal) > taken.get(fatal)) {
      return ErrorKind.FATAL;
    }
    for (int i = 0; i < KINDS.length; i++) {
      if (queued.get(i) > taken.get(i)) {
        return KINDS[i];
      }
    }
    return ErrorKind.FATAL; // not reached: called only with errors unread
  }

  /** The latest unread errors, oldest first. */
  private List<Failure> examples() {
    List<Failure> unread = new ArrayList<>(EXAMPLES);
    synchronized (examples) {
      for (int i = 0; i < EXAMPLES; i++) {
        Failure failure = examples[(nextExample + i) % EXAMPLES];
        if (failure != null) {
          unread.add(failure);
        }
      }
    }
    return List.copyOf(unread);
  }
}
