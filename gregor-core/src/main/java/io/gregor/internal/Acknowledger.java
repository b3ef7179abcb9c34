package io.gregor.internal;

import io.gregor.Acknowledgements;
import io.gregor.ErrorKind;
import io.gregor.Failure;
import io.gregor.Received;
import io.gregor.RetryPolicy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
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

    /** Whether it no longer waits (acknowledged, dead-lettered, forgotten). Loop's thread. */
    boolean removed;

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

  /** Acknowledgements in the inbox, not yet applied. */
  private final AtomicLong unapplied = new AtomicLong();

  /**
   * How many unapplied acknowledgements are worth waking the loop for: one while a revocation
   * waits, enough to go below the low-water mark while full, and none otherwise (the loop applies
   * them on its next turn anyway: waking it for each would spin it at the handlers' pace).
   */
  private volatile long wakeAt = Long.MAX_VALUE;

  /** Whether something in the inbox wants the loop now (set before it is woken). */
  private final AtomicBoolean urgent = new AtomicBoolean();

  /** Whether a revocation waits for acknowledgements. Loop's thread. */
  private boolean revocationWaits;

  /**
   * Whether fetching is held: set when the bound is reached, cleared only once the records (and
   * bytes) waiting are down to the low-water mark, so that fetching resumes for a batch rather than
   * for every acknowledgement. Loop's thread.
   */
  private boolean holding;

  private final long lowCount;
  private final long lowBytes;

  /** Per partition, its waiting records in offset order. Loop's thread. */
  private final Map<TopicPartition, Waiting> waiting = new HashMap<>();

  /**
   * A partition's records waiting for acknowledgement, in offset order (they are delivered so).
   * Acknowledged ones are marked and leave the front as soon as they reach it, and the rest in a
   * sweep when they outnumber the waiting ones: no tree to keep balanced per record, and memory
   * bounded by twice the records waiting.
   */
  private static final class Waiting {
    final ArrayDeque<Entry> entries = new ArrayDeque<>();
    int live;

    void add(Entry entry) {
      entries.addLast(entry);
      live++;
    }

    void removed() {
      live--;
      while (!entries.isEmpty() && entries.peekFirst().removed) {
        entries.pollFirst();
      }
      if (entries.size() > 64 && entries.size() > 2 * live) {
        entries.removeIf(entry -> entry.removed);
      }
    }

    /** The first entry still waiting, or null. */
    Entry first() {
      return entries.peekFirst(); // removed ones never stay in front
    }

    /** The waiting entry at {@code offset}, or null (a rare path: a record delivered again). */
    Entry at(long offset) {
      for (Entry entry : entries) {
        if (!entry.removed && entry.record.offset() == offset) {
          return entry;
        }
      }
      return null;
    }
  }

  /**
   * The records waiting, by identity, with their entries: for other threads to ask about ({@link
   * #isWaiting}), and for the loop to find a signal's entry.
   */
  private final ConcurrentHashMap<Identity, Entry> live;

  /**
   * A key that compares a record by identity; its hash comes from the record's coordinates (cheap,
   * and unlike an identity hash it needs nothing of the object's header).
   */
  private record Identity(Received<?, ?> record) {
    @Override
    public boolean equals(Object other) {
      return other instanceof Identity(var that) && that == record;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(record.offset()) * 31 + record.partition();
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
    this.live = new ConcurrentHashMap<>(Math.min(settings.maxUnacknowledged(), 1 << 20) * 2);
    this.deadLetters = deadLetters;
    this.loop = loop;
    this.lowCount = lowWater(settings.maxUnacknowledged());
    this.lowBytes = lowWater(settings.maxUnacknowledgedBytes());
  }

  /** Three quarters of a bound: where fetching resumes after the bound held it. */
  private static long lowWater(long bound) {
    return bound - Math.max(1, bound / 4);
  }

  // ---------------------------------------------------------------- any thread

  /** Whether {@code record} still waits (it was not acknowledged, revoked or lost meanwhile). */
  boolean isWaiting(Received<?, ?> record) {
    return live.containsKey(new Identity(record));
  }

  /** Whether delivered records keep their bytes: only a dead letter needs them. */
  boolean keepsBytes() {
    return retries.deadLetterTopic() != null;
  }

  /**
   * Whether the application said something the loop should apply now: a rejection, a failure, a
   * dead letter's outcome, or enough acknowledgements (for a commit, to resume fetching, or for a
   * waiting revocation). Plain acknowledgements wait for the loop's next turn.
   */
  boolean hasSignals() {
    return urgent.get();
  }

  void acknowledge(Received<?, ?> record) {
    inbox.add(new Acknowledged(record));
    long pending = unapplied.incrementAndGet();
    if (acknowledgedSinceCommit.incrementAndGet() == settings.commitEvery() || pending >= wakeAt) {
      wake();
    }
  }

  void reject(Received<?, ?> record, Throwable cause) {
    inbox.add(new Rejected(record, cause));
    wake();
  }

  /**
   * {@link io.gregor.Consumer#process}'s handler failed every try: the record goes on per the
   * policy.
   */
  void gaveUp(Received<?, ?> record, Throwable cause, int attempts) {
    inbox.add(new GaveUp(record, cause, attempts));
    wake();
  }

  /** Wakes the loop, once until it has applied the inbox. */
  private void wake() {
    if (urgent.compareAndSet(false, true)) {
      loop.wake();
    }
  }

  // ---------------------------------------------------------------- the loop's thread

  /**
   * A data event carrying {@code record} was made, with sequence number {@code sequence}; its bytes
   * are given when {@link #keepsBytes}, null otherwise.
   */
  void delivered(Received<?, ?> record, byte[] key, byte[] value, long sequence) {
    var entry = new Entry(record, key, value, sequence, System.nanoTime());
    Waiting partition = waiting.computeIfAbsent(record.topicPartition(), p -> new Waiting());
    Entry last = partition.entries.peekLast();
    if (last == null || last.record.offset() < record.offset()) {
      partition.add(entry); // in offset order, as records are delivered
    } else {
      insertOutOfOrder(entry);
    }
    count++;
    bytes += entry.bytes;
    live.put(new Identity(record), entry);
    if (!holding && atBound()) {
      holding = true;
      updateWakeAt(); // acknowledgements must now wake the loop, once there are enough
    }
  }

  /**
   * A record at or below the partition's last waiting offset (a seek back redelivers records that
   * still wait; each then costs a scan of its partition's entries): it replaces a record waiting at
   * its offset, and goes in offset order.
   */
  private void insertOutOfOrder(Entry entry) {
    TopicPartition topicPartition = entry.record.topicPartition();
    remove(waiting.get(topicPartition).at(entry.record.offset()));
    Waiting partition = waiting.computeIfAbsent(topicPartition, p -> new Waiting());
    ArrayDeque<Entry> after = new ArrayDeque<>();
    while (partition.entries.peekLast() != null
        && partition.entries.peekLast().record.offset() > entry.record.offset()) {
      after.addFirst(partition.entries.pollLast());
    }
    partition.add(entry);
    partition.entries.addAll(after);
  }

  /** Applies what the application said since the last turn; returns whether anything changed. */
  boolean apply() {
    boolean changed = false;
    urgent.set(false); // before the inbox is read: what comes after wakes the loop again
    long acknowledgements = 0;
    for (Signal signal = inbox.poll(); signal != null; signal = inbox.poll()) {
      changed = true;
      switch (signal) {
        case Acknowledged(var record) -> {
          acknowledgements++;
          remove(find(record));
        }
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
    unapplied.addAndGet(-acknowledgements);
    releaseIfLow();
    updateWakeAt();
    return changed;
  }

  /** Fetching resumes once the records and bytes waiting are down to the low-water mark. */
  private void releaseIfLow() {
    if (holding && count <= lowCount && bytes <= lowBytes) {
      holding = false;
    }
  }

  /** About how many acknowledgements bring the records and bytes waiting to the low-water mark. */
  private long toLowWater() {
    long forBytes = 0;
    if (bytes > lowBytes && count > 0) {
      long average = Math.max(1, bytes / count);
      forBytes = (bytes - lowBytes + average - 1) / average;
    }
    return Math.max(1, Math.max(count - lowCount, forBytes));
  }

  /** Sets how many acknowledgements wake the loop, for what it now waits on. */
  private void updateWakeAt() {
    long at = revocationWaits ? 1 : holding ? toLowWater() : Long.MAX_VALUE;
    wakeAt = at;
    if (unapplied.get() >= at) { // they came before the mark was set: no acknowledgement wakes
      urgent.set(true);
    }
  }

  private Entry find(Received<?, ?> record) {
    return live.get(new Identity(record));
  }

  private static boolean isWaiting(Entry entry) {
    return !entry.removed;
  }

  private void remove(Entry entry) {
    if (entry == null || entry.removed) {
      return;
    }
    entry.removed = true;
    TopicPartition partition = entry.record.topicPartition();
    Waiting entries = waiting.get(partition);
    entries.removed();
    if (entries.entries.isEmpty()) {
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
          wake();
        });
  }

  /** The first offset of {@code partition} still waiting, or -1 when none waits. */
  long firstWaiting(TopicPartition partition) {
    Waiting entries = waiting.get(partition);
    Entry first = entries == null ? null : entries.first();
    return first == null ? -1 : first.record.offset();
  }

  /**
   * Whether fetching must stop: as many records (or bytes) waited as the settings allow, and they
   * have not yet come down to three quarters of that.
   */
  boolean full() {
    return holding;
  }

  private boolean atBound() {
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
      Waiting entries = waiting.get(partition);
      if (entries != null) {
        for (Entry entry : entries.entries) {
          if (!entry.removed && entry.sequence <= taken && entry.dueNanos == 0) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** A revocation waits for acknowledgements (or stops waiting): each then wakes the loop. */
  void awaited(boolean waits) {
    revocationWaits = waits;
    updateWakeAt();
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
    for (Waiting entries : waiting.values()) {
      for (Entry entry : entries.entries) {
        if (!entry.removed
            && !entry.overdueReported
            && entry.dueNanos == 0
            && now - entry.sinceNanos > limit) {
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
      Waiting entries = waiting.remove(partition);
      if (entries != null) {
        for (Entry entry : entries.entries) {
          if (entry.removed) {
            continue;
          }
          entry.removed = true;
          count--;
          bytes -= entry.bytes;
          live.remove(new Identity(entry.record));
        }
      }
    }
    releaseIfLow();
    updateWakeAt();
    redeliveries.removeIf(entry -> partitions.contains(entry.record.topicPartition()));
  }

  void close(java.time.Duration timeout) {
    deadLetters.close(timeout);
  }
}
