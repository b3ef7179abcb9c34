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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commit after acknowledgement: which delivered records wait for the application's word, and what
 * happens when it comes. The poll loop's thread owns the records' order per partition, the counts
 * and the retries. An acknowledgement (the common word, one per record) is applied by the thread
 * that gives it: it claims the record's entry by removing it from the concurrent map of waiting
 * records, marks it, and counts it; the loop folds the counts in and drops marked entries from the
 * front of their partition on its next turn ({@link #apply}). Rarer words ({@link #reject}, {@link
 * #gaveUp}, a dead letter's outcome) go to a queue that the loop applies. No lock is taken on the
 * way, and a busy loop does no per-record work for acknowledgements (it showed as a fifth of the
 * loop's samples in the processing profile).
 *
 * <p>Removing an entry from the map is the one claim to it: whoever removes it (an acknowledging
 * thread, or the loop forgetting a partition, writing a dead letter, or replacing a redelivered
 * record) accounts for it, exactly once.
 *
 * <p>A record is identified by the very {@code Received} the data event carried: a signal for a
 * record no longer waiting (its partition was revoked, sought, or it was redelivered after a
 * rebalance as another object) changes nothing.
 */
final class Acknowledger {
  private static final Logger log = LoggerFactory.getLogger(Acknowledger.class);

  private sealed interface Signal {}

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

    /** Whether the loop removed it (dead-lettered, forgotten, replaced). Loop's thread. */
    boolean removed;

    /** Whether a thread acknowledged it (claimed it from the map of waiting records). */
    volatile boolean acknowledged;

    /** Its partition's waiting records, which count it when it is acknowledged. */
    Waiting partition;

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

  /** Acknowledgements so far, all threads (each record once). */
  private final AtomicLong acknowledgedTotal = new AtomicLong();

  /** The bytes of the acknowledged records, so far. */
  private final AtomicLong acknowledgedBytes = new AtomicLong();

  /** {@link #acknowledgedTotal} when the loop last folded it into its counts. Loop writes. */
  private volatile long foldedTotal;

  /** {@link #acknowledgedBytes} when the loop last folded it. Loop's thread. */
  private long foldedBytes;

  /**
   * The acknowledgement (by {@link #acknowledgedTotal}) that makes a commit due, {@code
   * commitEvery} after the total at the last commit, and wakes the loop: exactly that one, so that
   * without commits (automatic commits off) acknowledgements do not wake the loop every turn. Loop
   * writes; see {@link #committed} for the race with a moving mark.
   */
  private volatile long commitWakeAt;

  /**
   * How many acknowledgements not yet folded in are worth waking the loop for: one while a
   * revocation waits, enough to go below the low-water mark while full, and none otherwise (the
   * loop folds them in on its next turn anyway: waking it for each would spin it at the handlers'
   * pace).
   */
  private volatile long wakeAt = Long.MAX_VALUE;

  /** Whether something wants the loop now (set before it is woken). */
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
   * Acknowledged and removed ones are marked, and leave the front when the loop next looks at it,
   * and the rest in a sweep when they outnumber the waiting ones: no tree to keep balanced per
   * record, and memory bounded by about twice the records waiting. The loop's thread, except {@link
   * #acknowledged}.
   */
  static final class Waiting {
    final ArrayDeque<Entry> entries = new ArrayDeque<>();

    /** Entries added and not removed by the loop, acknowledged ones folded in. */
    int live;

    /** Entries acknowledged since the loop last folded them into {@link #live}. */
    final AtomicInteger acknowledged = new AtomicInteger();

    void add(Entry entry) {
      entry.partition = this;
      entries.addLast(entry);
      live++;
    }

    /** Folds acknowledgements in and drops what no longer waits; false when nothing is left. */
    boolean tidy() {
      int newlyAcknowledged = acknowledged.getAndSet(0);
      live -= newlyAcknowledged;
      first(); // drops what no longer waits from the front
      if (entries.size() > 64 && entries.size() > 2 * live) {
        entries.removeIf(Acknowledger::gone);
      }
      return !entries.isEmpty();
    }

    /** The first entry still waiting, or null. */
    Entry first() {
      while (!entries.isEmpty() && gone(entries.peekFirst())) {
        entries.pollFirst();
      }
      return entries.peekFirst();
    }

    /** The waiting entry at {@code offset}, or null (a rare path: a record delivered again). */
    Entry at(long offset) {
      for (Entry entry : entries) {
        if (!gone(entry) && entry.record.offset() == offset) {
          return entry;
        }
      }
      return null;
    }
  }

  /** Whether an entry no longer waits: acknowledged, or removed by the loop. */
  private static boolean gone(Entry entry) {
    return entry.removed || entry.acknowledged;
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
    this.commitWakeAt = settings.commitEvery();
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

  /**
   * The application has processed {@code record}: its entry is claimed and marked here, on the
   * calling thread; the loop folds the counts in on its next turn, woken only when it waits for
   * acknowledgements or a commit is due.
   */
  void acknowledge(Received<?, ?> record) {
    Entry entry = live.remove(new Identity(record));
    if (entry == null) {
      return; // no longer waiting: acknowledged before, revoked, lost or sought
    }
    entry.acknowledged = true;
    entry.partition.acknowledged.incrementAndGet();
    acknowledgedBytes.addAndGet(entry.bytes);
    long total = acknowledgedTotal.incrementAndGet();
    if (total == commitWakeAt || total - foldedTotal >= wakeAt) {
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
    live.put(new Identity(record), entry); // its partition set: it may be acknowledged now
    count++;
    bytes += entry.bytes;
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
    urgent.set(false); // before anything is read: what comes after wakes the loop again
    boolean changed = foldAcknowledgements();
    for (Signal signal = inbox.poll(); signal != null; signal = inbox.poll()) {
      changed = true;
      switch (signal) {
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
    releaseIfLow();
    updateWakeAt();
    return changed;
  }

  /**
   * Takes the acknowledgements given since the last turn into the counts, and drops acknowledged
   * entries from their partitions; returns whether there were any.
   */
  private boolean foldAcknowledgements() {
    long total = acknowledgedTotal.get();
    long newlyAcknowledged = total - foldedTotal;
    if (newlyAcknowledged == 0) {
      return false;
    }
    long totalBytes = acknowledgedBytes.get(); // may run ahead of total: folded next time
    count -= newlyAcknowledged;
    bytes -= totalBytes - foldedBytes;
    foldedTotal = total;
    foldedBytes = totalBytes;
    waiting.values().removeIf(partition -> !partition.tidy());
    return true;
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
    if (acknowledgedTotal.get() - foldedTotal
        >= at) { // they came before the mark was set: no acknowledgement wakes
      urgent.set(true);
    }
  }

  private Entry find(Received<?, ?> record) {
    return live.get(new Identity(record));
  }

  private static boolean isWaiting(Entry entry) {
    return !gone(entry);
  }

  /** The loop removes an entry, unless another thread has acknowledged it first. */
  private void remove(Entry entry) {
    if (entry == null || !claim(entry)) {
      return;
    }
    Waiting partition = entry.partition;
    partition.live--;
    if (!partition.tidy()) {
      waiting.remove(entry.record.topicPartition(), partition);
    }
    count--;
    bytes -= entry.bytes;
  }

  /** Claims an entry for the loop: false when it was acknowledged or removed before. */
  private boolean claim(Entry entry) {
    if (entry.removed || !live.remove(new Identity(entry.record), entry)) {
      return false;
    }
    entry.removed = true;
    return true;
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

  /**
   * The first offset of {@code partition} still waiting, or -1 when none waits. An acknowledgement
   * given on another thread counts once given, folded in or not.
   */
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
          if (!gone(entry) && entry.sequence <= taken && entry.dueNanos == 0) {
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

  /**
   * A commit was made: counting towards the next starts again. The mark moves while threads
   * acknowledge: one that read the old mark may have reached the new one already, and woken nobody;
   * so the loop reads the count again after moving it, and wakes itself ({@link #hasSignals}) if
   * the mark was reached meanwhile.
   */
  void committed() {
    commitWakeAt = acknowledgedTotal.get() + settings.commitEvery();
    if (acknowledgedTotal.get() >= commitWakeAt) {
      urgent.set(true);
    }
  }

  /** Whether enough records were acknowledged since the last commit to commit now. */
  boolean commitDue() {
    return acknowledgedTotal.get() >= commitWakeAt;
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
        if (!gone(entry)
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
          if (claim(entry)) { // an acknowledged one is counted by its acknowledgement
            count--;
            bytes -= entry.bytes;
          }
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
