package io.gregor.internal;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.ChannelDone;
import com.softwaremill.jox.SelectClause;
import com.softwaremill.jox.Source;
import io.gregor.Event;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The consumer's output as readers see it: one event at a time, in order, through {@code receive},
 * {@code receiveOrClosed} or a select clause (with the reader's own channels), while the poll loop
 * hands events over a whole batch at a time ({@link #append}): one lock, and at most one wake of a
 * waiting reader, per batch instead of per event.
 *
 * <p>Events wait in a ring sized for the output's capacity; the loop never appends more than there
 * is room for ({@code capacity - (appended - received)}). A slot may hold a run of polled records
 * ({@link DeferredRecords}) instead of an event: it counts as one event per record, and the reader
 * that takes the next one makes its data event, on its own thread. A reader takes the first event
 * while another one stays behind it; the last one (and every event taken through a select) goes
 * through a token in a one-slot jox channel that is there exactly while events wait. That channel
 * is what readers block on and what select clauses are made of, so the output takes part in jox
 * {@code select}, and a reader woken by the token always finds an event. Events are taken strictly
 * in order, one reader at a time, so the count of events taken ({@link #received()}) means that all
 * events up to it were taken: commits rely on it.
 *
 * <p>The end of the stream: after the reader takes EOF (the last event), the token channel is done,
 * and readers then see the channel closed, as with a plain channel.
 */
final class ChunkedOutput<E> implements Source<E> {
  /** Holds the token while events wait; readers block on it and select on it. */
  private final Channel<Object> ready = Channel.newBufferedChannel(1);

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition roomMade = lock.newCondition();

  // Guarded by the lock. The ring holds events and runs of records ({@link DeferredRecords}), which
  // stand for one data event each; size counts events.
  private final Object[] ring;
  private int head;
  private int tail;
  private int size;

  /** Whether the token is in {@link #ready} or held by a reader about to take an event. */
  private boolean tokenOut;

  private int roomWaiters;

  /**
   * Events taken by readers; written under the lock, with a release store (no fence a record): a
   * reader of it may see a value a little behind, never ahead, which is safe for commits and room.
   * The wake-up handshake with {@link #wakeAt} goes through the lock instead ({@link
   * #wakeWhenReceived}).
   */
  private final AtomicLong received = new AtomicLong();

  /** When {@link #received} reaches this (0: never), {@link #onWake} runs once. */
  private final AtomicLong wakeAt = new AtomicLong();

  private final Runnable onWake;
  private final UnreadErrors unreadErrors;

  /** The reader finished the output itself: it wants no more events. */
  private volatile boolean abandoned;

  /** The loop appended the last event (EOF). */
  private volatile boolean finished;

  ChunkedOutput(int capacity, Runnable onWake, UnreadErrors unreadErrors) {
    this.ring = new Object[capacity];
    this.onWake = onWake;
    this.unreadErrors = unreadErrors;
    unreadErrors.countsTakenBy(received::get);
  }

  // ------------------------------------------------------------------- the loop's side

  /**
   * Appends {@code events[from, to)}, for which there is room; {@code last} when the final one is
   * the last event of the stream.
   */
  void append(List<?> events, int from, int to, boolean last) {
    boolean sendToken;
    lock.lock();
    try {
      for (int i = from; i < to; i++) {
        Object entry = events.get(i);
        ring[tail] = entry;
        tail = tail + 1 == ring.length ? 0 : tail + 1;
        size += DeferredRecords.events(entry);
      }
      if (last) {
        finished = true;
      }
      sendToken = size > 0 && !tokenOut;
      tokenOut |= sendToken;
    } finally {
      lock.unlock();
    }
    if (sendToken) {
      Tokens.put(ready);
    }
  }

  /** Events the loop appended that no reader has taken yet. */
  int waiting() {
    lock.lock();
    try {
      return size;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until a reader has taken an event, or the reader finished the output, at most {@code
   * nanos}; for a closing loop's last events, which go on without the loop.
   */
  void awaitRoom(long nanos) throws InterruptedException {
    lock.lock();
    try {
      if (size == ring.length && !abandoned) {
        roomWaiters++;
        try {
          roomMade.await(nanos, TimeUnit.NANOSECONDS);
        } finally {
          roomWaiters--;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Whether the reader finished the output itself: nothing more reaches it. */
  boolean abandoned() {
    return abandoned;
  }

  /**
   * Runs the wake-up action once readers have taken {@code count} events in all (at once, on this
   * thread, if they already have); replaces an earlier request.
   */
  void wakeWhenReceived(long count) {
    wakeAt.set(count);
    // Under the lock: a reader that took an event before it has its count visible here; one that
    // takes one after it sees wakeAt once it has released the lock (taken checks it then).
    long taken;
    lock.lock();
    try {
      taken = received.getPlain();
    } finally {
      lock.unlock();
    }
    if (taken >= count && wakeAt.compareAndSet(count, 0)) {
      onWake.run();
    }
  }

  /** How many events readers have taken so far. */
  long received() {
    return received.get();
  }

  // ------------------------------------------------------------------- the readers' side

  @Override
  @SuppressWarnings("unchecked")
  public E receive() throws InterruptedException {
    Object result = receiveOrClosed();
    if (result instanceof ChannelClosed closed) {
      throw closed.toException();
    }
    return (E) result;
  }

  @Override
  public Object receiveOrClosed() throws InterruptedException {
    Object event = takeWhileMoreWait();
    if (event != null) {
      return taken(event);
    }
    Object token = ready.receiveOrClosed();
    return token instanceof ChannelClosed ? token : takeWithToken();
  }

  @Override
  @SuppressWarnings("unchecked")
  public SelectClause<E> receiveClause() {
    return ready.receiveClause(token -> (E) takeWithToken());
  }

  @Override
  @SuppressWarnings("unchecked")
  public <U> SelectClause<U> receiveClause(Function<E, U> callback) {
    return ready.receiveClause(token -> callback.apply((E) takeWithToken()));
  }

  /** The first event, if another one waits behind it (so the token stays valid); else null. */
  private Object takeWhileMoreWait() {
    lock.lock();
    try {
      // After the reader finished the output, the token decides: no more events (done), or the
      // error at once (error).
      return size >= 2 && !abandoned ? takeFirst() : null;
    } finally {
      lock.unlock();
    }
  }

  /** With the token taken from {@link #ready}: the first event (there is one). */
  private Object takeWithToken() {
    Object event;
    boolean giveBack;
    lock.lock();
    try {
      event = takeFirst();
      giveBack = size > 0;
      tokenOut = giveBack;
    } catch (RuntimeException | Error e) {
      // Making a run's event failed, and nothing was taken: the token goes back for the next try.
      Tokens.put(ready);
      throw e;
    } finally {
      lock.unlock();
    }
    if (giveBack) {
      Tokens.put(ready);
    } else if (event instanceof Event.Eof<?>) {
      ready.doneOrClosed(); // the last event: readers now see the output closed
    }
    return taken(event);
  }

  private Object takeFirst() {
    Object entry = ring[head];
    Object event;
    if (entry instanceof DeferredRecords<?, ?> run) {
      event = run.takeNext(); // made here, on the reader's thread
      if (run.remaining() == 0) {
        advanceHead();
      }
    } else {
      event = entry;
      advanceHead();
    }
    size--;
    received.setRelease(received.getPlain() + 1); // only under the lock: see received
    if (roomWaiters > 0) {
      roomMade.signal();
    }
    return event;
  }

  private void advanceHead() {
    ring[head] = null;
    head = head + 1 == ring.length ? 0 : head + 1;
  }

  private Object taken(Object event) {
    unreadErrors.taken(event);
    long wake = wakeAt.get();
    if (wake != 0 && received.get() >= wake && wakeAt.compareAndSet(wake, 0)) {
      onWake.run();
    }
    return event;
  }

  // A reader finishing the output wants no more events: those dropped then are not unread errors.

  @Override
  public void done() {
    finishedByReader();
    ready.done();
    Tokens.swallow(ready);
  }

  @Override
  public Object doneOrClosed() {
    finishedByReader();
    Object result = ready.doneOrClosed();
    Tokens.swallow(ready);
    return result;
  }

  @Override
  public void error(Throwable reason) {
    finishedByReader();
    ready.error(reason);
  }

  @Override
  public Object errorOrClosed(Throwable reason) {
    finishedByReader();
    return ready.errorOrClosed(reason);
  }

  private void finishedByReader() {
    unreadErrors.readerFinished();
    abandoned = true;
    lock.lock();
    try {
      roomMade.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public ChannelClosed closedForSend() {
    ChannelClosed closed = ready.closedForSend();
    return closed == null && finished ? new ChannelDone(ready) : closed;
  }

  @Override
  public ChannelClosed closedForReceive() {
    return ready.closedForReceive();
  }

  @Override
  public String toString() {
    return "gregor output (" + received() + " taken, " + (finished ? "finished" : "open") + ")";
  }
}
