package io.gregor.internal;

import io.gregor.ErrorKind;
import io.gregor.Event;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/** Events made and errors by kind, counted where they are made and read from any thread. */
final class Counts {
  private static final ErrorKind[] KINDS = ErrorKind.values();
  private final LongAdder made = new LongAdder();
  private final AtomicLongArray errors = new AtomicLongArray(KINDS.length);

  void made(long events) {
    made.add(events);
  }

  /** Counts {@code event} if it is an error (whether the output policy wants it or not). */
  void error(Event<?> event) {
    if (event instanceof Event.Error<?>(var failure)) {
      errors.incrementAndGet(failure.kind().ordinal());
    }
  }

  long made() {
    return made.sum();
  }

  Map<ErrorKind, Long> errors() {
    Map<ErrorKind, Long> byKind = new EnumMap<>(ErrorKind.class);
    for (ErrorKind kind : KINDS) {
      long count = errors.get(kind.ordinal());
      if (count > 0) {
        byKind.put(kind, count);
      }
    }
    return byKind;
  }
}
