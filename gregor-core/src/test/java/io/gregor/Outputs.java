package io.gregor;

import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.Select;
import com.softwaremill.jox.Source;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Reads an output channel in tests: each wait is bounded, so a missing event fails the test instead
 * of hanging it.
 */
final class Outputs {
  /** How long to wait for one event before failing. */
  static final Duration PATIENCE = Duration.ofSeconds(30);

  private static final Object TIMED_OUT = new Object();
  private static final Object NOTHING_YET = new Object();

  private Outputs() {}

  /** The next event. */
  static <T> Event<T> next(Source<Event<T>> output) throws InterruptedException {
    // A timed select starts a timer thread: only wait with one when no event is there already.
    Object next = Select.selectOrClosed(output.receiveClause(), Select.defaultClause(NOTHING_YET));
    if (next == NOTHING_YET) {
      next = Select.selectOrClosedWithin(PATIENCE, TIMED_OUT, output.receiveClause());
    }
    if (next == TIMED_OUT) {
      throw new AssertionError("no event within " + PATIENCE);
    }
    if (next instanceof ChannelClosed closed) {
      throw new AssertionError("the output finished early: " + closed);
    }
    @SuppressWarnings("unchecked")
    Event<T> event = (Event<T>) next;
    return event;
  }

  /** Every event up to and including the first that matches {@code last}. */
  static <T> List<Event<T>> until(Source<Event<T>> output, Predicate<? super Event<T>> last)
      throws InterruptedException {
    List<Event<T>> events = new ArrayList<>();
    while (true) {
      Event<T> event = next(output);
      events.add(event);
      if (last.test(event)) {
        return events;
      }
    }
  }

  /** Every event up to and including EOF. */
  static <T> List<Event<T>> untilEof(Source<Event<T>> output) throws InterruptedException {
    return until(output, event -> event instanceof Event.Eof<?>);
  }

  /** Whether the output has finished (after EOF), waiting for it within the patience. */
  static boolean finished(Source<?> output) throws InterruptedException {
    Object next = Select.selectOrClosedWithin(PATIENCE, TIMED_OUT, output.receiveClause());
    return next instanceof ChannelClosed;
  }

  /** The data of the data events, in order. */
  static <T> List<T> data(List<Event<T>> events) {
    List<T> data = new ArrayList<>();
    for (Event<T> event : events) {
      if (event instanceof Event.Data<T>(T value)) {
        data.add(value);
      }
    }
    return data;
  }

  /** The failures of the error events, in order. */
  static List<Failure> failures(List<? extends Event<?>> events) {
    List<Failure> failures = new ArrayList<>();
    for (Event<?> event : events) {
      if (event instanceof Event.Error<?>(Failure failure)) {
        failures.add(failure);
      }
    }
    return failures;
  }

  /** Whether {@code event} is the result of {@code operation}. */
  static boolean isResultOf(Event<?> event, Operation<?> operation) {
    return event instanceof Event.Result<?>(Operation<?> done, Object ignored)
        && done.equals(operation);
  }
}
