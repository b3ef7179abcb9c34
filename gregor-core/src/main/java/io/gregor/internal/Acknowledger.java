package io.gregor.internal;

import io.gregor.Acknowledgements;
import io.gregor.ErrorKind;
import io.gregor.Failure;
import io.gregor.Received;
import io.gregor.RetryPolicy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commit after acknowledgement: which delivered records wait for the application's word, and what
 * happens when it comes. The application's threads only add signals ({@link #acknowledge}, {@link
 * #reject}, {@link #gaveUp}) to a queue; the poll loop's thread owns everything else and applies
 * the signals ({@link #apply}) on each turn, so no lock is taken on the way.
 *
 * <p>A record is identified by the very {@code Received} the data event carried: a signal for a
 * record no longer waiting (its partition was revoked, sought, or it was redelivered after a
 * rebalance as another object) changes nothing.
 */
final class Acknowledger {
  private static final Logger log = LoggerFactory.getLogger(Acknowledger.class);

  private sealed interface Signal {}

  private record Acknowledged(Received<?, ?> record) implements Signal {}

  private record Rejected(Received<?, ?> record, Throwable cause) implements Signal {}

  private record GaveUp(Received<?, ?> record, Throwable cause, int attempts) implements Signal {}

  private record DeadLettered(Entry entry) implements Signal {}

  private record DeadLetterFailed(Entry entry, Exception cause) implements Signal {}

  /** A delivered record waiting for its acknowledgement. */
  static final class Entry {
    final Received<?, ?> record;
    final byte[] key;
    final byte[] value;
    final long bytes;

    /** The sequence number of the data event that carries it now. */
    long sequence;

    /** Tries so far: deliveries to the reader (plain mode), or the handler's tries. */
    int attempts = 1;

    /** When it was (last) delivered, on the monotonic clock. */
    long sinceNanos;

    /** When it is due for redelivery after a rejection, or 0 when it is not waiting for one. */
    long dueNanos;

    boolean overdueReported;
    boolean deadLettering;

    /** Why it failed for good (for a dead-letter write tried again). */
    Throwable failure;

    /** How many times writing it to the dead-letter topic failed. */
    int deadLetterFailures;

    Entry(Received<?, ?> record, byte[] key, byte[] value, long sequence, long nowNanos) {
      this.record = record;
      this.key = key;
      this.value = value;
      this.bytes =
          Math.max(0, record.serializedKeySize())
              + (long) Math.max(0, record.serializedValueSize());
      this.sequence = sequence;
      this.sinceNanos = nowNanos;
    }
  }

  /** What the loop does for the acknowledger: put events on the output, and wake. */
  interface Loop {
    void emitError(Failure failure);

    void redeliver(Entry entry);

    void wake();
  }

  private final Acknowledgements settings;
  private final RetryPolicy retries;
  private final DeadLetters deadLetters;
  private final Loop loop;
  private final ConcurrentLinkedQueue<Signal> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicLong acknowledgedSinceCommit = new AtomicLong();

  /** Whether the loop waits for acknowledgements (it is full, or a revocation waits). */
  private volatile boolean awaited;

  private final Map<TopicPartition, TreeMap<Long, Entry>> waiting = new HashMap<>();

  /** The records waiting, by identity, for other threads to ask about ({@link #isWaiting}). */
  private final Set<Object> live;

  /** A key that compares a record by identity. */
  private record Identity(Received<?, ?> record) {
    @Override
    public boolean equals(Object other) {
      return other instanceof Identity(var that) && that == record;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(record);
    }
  }

  private final PriorityQueue<Entry> redeliveries =
      new PriorityQueue<>((a, b) -> Long.compare(a.dueNanos, b.dueNanos));
  private long count;
  private long bytes;

  Acknowledger(Acknowledgements settings, DeadLetters deadLetters, Loop loop) {
    this.settings = settings;
    this.retries = settings.retries();
    // Sized for the bound up front: growing it while records stream in showed in the profile.
    this.live = ConcurrentHashMap.newKeySet(Math.min(settings.maxUnacknowledged(), 1 << 20) * 2);
    this.deadLetters = deadLetters;
    this.loop = loop;
  }

  // ---------------------------------------------------------------- any thread

  /** Whether {@code record} still waits (it was not acknowledged, revoked or lost meanwhile). */
  boolean isWaiting(Received<?, ?> record) {
    return live.contains(new Identity(record));
  }

  /** Whether the application said something the loop has not applied yet. */
  boolean hasSignals() {
    return !inbox.isEmpty();
  }

  void acknowledge(Received<?, ?> record) {
    inbox.add(new Acknowledged(record));
    if (acknowledgedSinceCommit.incrementAndGet() == settings.commitEvery() || awaited) {
      loop.wake();
    }
  }

  void reject(Received<?, ?> record, Throwable cause) {
    inbox.add(new Rejected(record, cause));
    loop.wake();
  }

  /**
   * {@link io.gregor.Consumer#process}'s handler failed every try: the record goes on per the
   * policy.
   */
  void gaveUp(Received<?, ?> record, Throwable cause, int attempts) {
    inbox.add(new GaveUp(record, cause, attempts));
    loop.wake();
  }

  // ---------------------------------------------------------------- the loop's thread

  /** A data event carrying {@code record} was made, with sequence number {@code sequence}. */
  void delivered(Received<?, ?> record, byte[] key, byte[] value, long sequence) {
    boolean keepBytes = retries.deadLetterTopic() != null; // only a dead letter needs them
    var entry =
        new Entry(
            record, keepBytes ? key : null, keepBytes ? value : null, sequence, System.nanoTime());
    Entry replaced =
        waiting
            .computeIfAbsent(record.topicPartition(), p -> new TreeMap<>())
            .put(record.offset(), entry);
    if (replaced != null) {
      count--;
      bytes -= replaced.bytes;
      live.remove(new Identity(replaced.record));
    }
    count++;
    bytes += entry.bytes;
    live.add(new Identity(record));
    if (full()) {
      awaited = true; // acknowledgements must now wake the loop
    }
  }

  /** Applies what the application said since the last turn; returns whether anything changed. */
  boolean apply() {
    boolean changed = false;
    for (Signal signal = inbox.poll(); signal != null; signal = inbox.poll()) {
      changed = true;
      switch (signal) {
        case Acknowledged(var record) -> remove(find(record));
        case Rejected(var record, var cause) -> rejected(find(record), cause);
        case GaveUp(var record, var cause, var attempts) -> {
          Entry entry = find(record);
          if (entry != null && entry.dueNanos == 0 && !entry.deadLettering) {
            entry.attempts = attempts;
            failedForGood(entry, cause);
          }
        }
        case DeadLettered(var entry) -> remove(entry);
        case DeadLetterFailed(var entry, var cause) -> {
          if (!isWaiting(entry)) {
            break; // its partition went away meanwhile
          }
          // Tried again after a backoff, for as long as the record waits: it must not be lost.
          entry.deadLetterFailures++;
          entry.dueNanos =
              System.nanoTime() + retries.backoffAfter(entry.deadLetterFailures).toNanos() | 1;
          redeliveries.add(entry);
          if (entry.deadLetterFailures > 1) {
            log.warn(
                "writing {} to the dead-letter topic failed again ({} times): {}",
                entry.record.coordinates(),
                entry.deadLetterFailures,
                KafkaFailures.message(cause));
            break;
          }
          loop.emitError(
              new Failure(
                  ErrorKind.DEAD_LETTER_FAILED,
                  "writing the record at "
                      + entry.record.coordinates()
                      + " to the dead-letter topic '"
                      + retries.deadLetterTopic()
                      + "' failed: "
                      + KafkaFailures.message(cause)
                      + "; it is tried again after a backoff, and commits of its partition stop"
                      + " before it meanwhile",
                  cause,
                  entry.record.coordinates()));
        }
      }
    }
    long now = System.nanoTime();
    while (!redeliveries.isEmpty() && redeliveries.peek().dueNanos - now <= 0) {
      Entry entry = redeliveries.poll();
      if (isWaiting(entry)) {
        entry.dueNanos = 0;
        changed = true;
        if (entry.deadLettering) {
          writeDeadLetter(entry, entry.failure); // a failed write, tried again
          continue;
        }
        entry.attempts++;
        entry.sinceNanos = now;
        loop.redeliver(entry);
      }
    }
    awaited = full();
    return changed;
  }

  private Entry find(Received<?, ?> record) {
    TreeMap<Long, Entry> partition = waiting.get(record.topicPartition());
    Entry entry = partition == null ? null : partition.get(record.offset());
    return entry != null && entry.record == record ? entry : null;
  }

  private boolean isWaiting(Entry entry) {
    TreeMap<Long, Entry> partition = waiting.get(entry.record.topicPartition());
    return partition != null && partition.get(entry.record.offset()) == entry;
  }

  private void remove(Entry entry) {
    if (entry == null || !isWaiting(entry)) {
      return;
    }
    TopicPartition partition = entry.record.topicPartition();
    TreeMap<Long, Entry> entries = waiting.get(partition);
    entries.remove(entry.record.offset());
    if (entries.isEmpty()) {
      waiting.remove(partition);
    }
    count--;
    bytes -= entry.bytes;
    live.remove(new Identity(entry.record));
  }

  private void rejected(Entry entry, Throwable cause) {
    if (entry == null || entry.dueNanos != 0 || entry.deadLettering) {
      return;
    }
    if (entry.attempts < retries.maxAttempts()) {
      entry.dueNanos = System.nanoTime() + retries.backoffAfter(entry.attempts).toNanos() | 1;
      redeliveries.add(entry);
    } else {
      failedForGood(entry, cause);
    }
  }

  private void failedForGood(Entry entry, Throwable cause) {
    if (retries.deadLetterTopic() == null) {
      loop.emitError(
          new Failure(
              ErrorKind.PROCESSING_FAILED,
              "the record at "
                  + entry.record.coordinates()
                  + " failed "
                  + entry.attempts
                  + (entry.attempts == 1 ? " try" : " tries")
                  + ": "
                  + cause,
              cause,
              entry.record.coordinates()));
      remove(entry);
      return;
    }
    entry.deadLettering = true;
    entry.failure = cause;
    writeDeadLetter(entry, cause);
  }

  private void writeDeadLetter(Entry entry, Throwable cause) {
    deadLetters.send(
        entry,
        cause,
        entry.attempts,
        exception -> {
          inbox.add(
              exception == null ? new DeadLettered(entry) : new DeadLetterFailed(entry, exception));
          loop.wake();
        });
  }

  /** The first offset of {@code partition} still waiting, or -1 when none waits. */
  long firstWaiting(TopicPartition partition) {
    TreeMap<Long, Entry> entries = waiting.get(partition);
    return entries == null ? -1 : entries.firstKey();
  }

  /** Whether fetching must stop: as many records (or bytes) wait as the settings allow. */
  boolean full() {
    return count >= settings.maxUnacknowledged() || bytes >= settings.maxUnacknowledgedBytes();
  }

  /** How many records wait for their acknowledgement. */
  long count() {
    return count;
  }

  /**
   * Whether a record of these partitions that the reader has taken (its event's sequence number is
   * at most {@code taken}) still waits for its acknowledgement.
   */
  boolean takenWaiting(Collection<TopicPartition> partitions, long taken) {
    for (TopicPartition partition : partitions) {
      TreeMap<Long, Entry> entries = waiting.get(partition);
      if (entries != null) {
        for (Entry entry : entries.values()) {
          if (entry.sequence <= taken && entry.dueNanos == 0) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** The loop waits for acknowledgements (or stops waiting): they then wake it. */
  void awaited(boolean waits) {
    awaited = waits || full();
  }

  /** A commit was made: counting towards the next starts again. */
  void committed() {
    acknowledgedSinceCommit.set(0);
  }

  /** Whether enough records were acknowledged since the last commit to commit now. */
  boolean commitDue() {
    return acknowledgedSinceCommit.get() >= settings.commitEvery();
  }

  /** Nanoseconds until the next redelivery is due, or -1 when none is. */
  long nanosToNextRedelivery() {
    return redeliveries.isEmpty()
        ? -1
        : Math.max(0, redeliveries.peek().dueNanos - System.nanoTime());
  }

  /** Records waiting longer than the settings allow, each reported once. */
  List<Failure> overdue() {
    long now = System.nanoTime();
    long limit = settings.overdueAfter().toNanos();
    List<Failure> overdue = new ArrayList<>();
    for (TreeMap<Long, Entry> entries : waiting.values()) {
      for (Entry entry : entries.values()) {
        if (!entry.overdueReported && entry.dueNanos == 0 && now - entry.sinceNanos > limit) {
          entry.overdueReported = true;
          overdue.add(
              new Failure(
                  ErrorKind.ACKNOWLEDGEMENT_OVERDUE,
                  "the record at "
                      + entry.record.coordinates()
                      + " has waited for its acknowledgement for over "
                      + settings.overdueAfter()
                      + "; commits of its partition stop before it",
                  null,
                  entry.record.coordinates()));
        }
      }
    }
    return overdue;
  }

  /** These partitions are gone or sought: their records no longer wait. */
  void forget(Collection<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      TreeMap<Long, Entry> entries = waiting.remove(partition);
      if (entries != null) {
        for (Entry entry : entries.values()) {
          count--;
          bytes -= entry.bytes;
          live.remove(new Identity(entry.record));
        }
      }
    }
    redeliveries.removeIf(entry -> partitions.contains(entry.record.topicPartition()));
  }

  void close(java.time.Duration timeout) {
    deadLetters.close(timeout);
  }
}
