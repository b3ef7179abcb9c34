package io.gregor.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongSupplier;

/**
 * What happened in a run, in the order it was recorded. Immutable; {@link Recorder} builds one from
 * many threads.
 */
public record History(List<Entry> entries) {
  public History {
    entries = List.copyOf(entries);
  }

  /** A history of these entries, in this order. */
  public static History of(Entry... entries) {
    return new History(List.of(entries));
  }

  /** The entries of one type, in order. */
  public <E extends Entry> List<E> all(Class<E> type) {
    List<E> matching = new ArrayList<>();
    for (Entry entry : entries) {
      if (type.isInstance(entry)) {
        matching.add(type.cast(entry));
      }
    }
    return matching;
  }

  /**
   * Records a history from any number of threads, stamping each entry with the time since the
   * recorder was created. Entries keep the order in which they were recorded; each thread's own
   * entries keep that thread's order.
   */
  public static final class Recorder {
    private final ConcurrentLinkedQueue<Entry> entries = new ConcurrentLinkedQueue<>();
    private final LongSupplier nanoTime;
    private final long start;

    /** A recorder on {@link System#nanoTime()}. */
    public Recorder() {
      this(System::nanoTime);
    }

    /** A recorder on a given clock (nanoseconds), for tests. */
    public Recorder(LongSupplier nanoTime) {
      this.nanoTime = nanoTime;
      this.start = nanoTime.getAsLong();
    }

    /** The time since the recorder was created. */
    public Duration now() {
      return Duration.ofNanos(nanoTime.getAsLong() - start);
    }

    public void produced(String id, String key, Integer partition) {
      entries.add(new Entry.Produced(id, key, partition, now()));
    }

    public void acknowledged(String id, int partition, long offset) {
      entries.add(new Entry.Acknowledged(id, partition, offset, now()));
    }

    public void failed(String id, String reason) {
      entries.add(new Entry.Failed(id, reason, now()));
    }

    public void consumed(String id, String key, int partition, long offset, String consumer) {
      entries.add(new Entry.Consumed(id, key, partition, offset, consumer, now()));
    }

    public void note(String what) {
      entries.add(new Entry.Note(what, now()));
    }

    /** What has been recorded so far. */
    public History history() {
      return new History(new ArrayList<>(entries));
    }
  }
}
