package io.gregor.internal;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.ChannelDone;
import com.softwaremill.jox.ChannelError;
import com.softwaremill.jox.SelectClause;
import com.softwaremill.jox.Sink;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The producer's input as senders see it, bounded: elements go in one at a time, through {@code
 * send}, {@code sendOrClosed} or a select clause (with the sender's own channels), and the send
 * loop takes them without waking a sender for each: a sender that found the input full waits for
 * room, and room is given once the loop has taken half of what the input holds, so a busy loop
 * wakes a waiting sender once per half a buffer, not once per element.
 *
 * <p>Elements wait in a ring under a lock. A sender appends at once while another slot stays free;
 * the last free slot (and every send through a select) goes through a token in a one-slot jox
 * channel that is there only while there is room. That channel is what full senders block on and
 * what select clauses are made of, so the input takes part in jox {@code select}.
 *
 * <p>Finishing ({@link #done()}, by the user or the loop) stops new sends; what is in the ring is
 * still taken by the loop, and then {@link #take} and {@link #takeFinished} give {@link
 * ChannelClosed}. A sender that got the token just before the input was finished is told that its
 * element was not accepted (the send fails; from a select, with {@code ChannelClosedException}),
 * never left without a word.
 */
final class BatchedIntake<E> implements Sink<E> {
  /** Holds the token while there is room; full senders block on it and select on it. */
  private final Channel<Object> space = Channel.newBufferedChannel(1);

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();

  // Guarded by the lock.
  private final Object[] ring;
  private int head;
  private int size;

  /** Whether the token is in {@link #space} or held by a sender about to append. */
  private boolean tokenOut = true;

  private boolean takerWaiting;

  /**
   * The token is to go back ({@link #takeFirst}, {@link #openUp}); its caller puts it, unlocked.
   * Only the loop's thread touches it.
   */
  private boolean tokenDue;

  /** How many free slots give the token back: half the ring. */
  private final int reopenAt;

  /** Set when the input was finished: no new sends. */
  private ChannelClosed closed;

  BatchedIntake(int capacity) {
    this.ring = new Object[capacity];
    this.reopenAt = Math.max(1, (capacity + 1) / 2);
    Tokens.put(space);
  }

  // ------------------------------------------------------------------- the senders' side

  @Override
  public void send(E element) throws InterruptedException {
    if (sendOrClosed(element) instanceof ChannelClosed closedNow) {
      throw closedNow.toException();
    }
  }

  @Override
  public Object sendOrClosed(E element) throws InterruptedException {
    lock.lock();
    try {
      if (closed != null) {
        return closed;
      }
      if (tokenOut && ring.length - size >= 2) {
        append(element); // the token's holder still finds a free slot
        return null;
      }
      // Full, or room held back (the token not out): wait in line for the token, behind those
      // already waiting, so that a stream of new senders never overtakes one that waits.
    } finally {
      lock.unlock();
    }
    Object token = space.receiveOrClosed(); // waits for room
    if (token instanceof ChannelClosed) {
      return closedOr(token);
    }
    ChannelClosed refused = appendWithToken(element);
    return refused;
  }

  @Override
  public SelectClause<Void> sendClause(E element) {
    return space.receiveClause(token -> appendOrThrow(element));
  }

  @Override
  public <U> SelectClause<U> sendClause(E element, Supplier<U> callback) {
    return space.receiveClause(
        token -> {
          appendOrThrow(element);
          return callback.get();
        });
  }

  private Void appendOrThrow(E element) {
    ChannelClosed refused = appendWithToken(element);
    if (refused != null) {
      throw refused.toException(); // out of the sender's select: the element was not taken
    }
    return null;
  }

  /** With the token: appends (there is room), unless the loop takes nothing more. */
  private ChannelClosed appendWithToken(E element) {
    boolean giveBack;
    lock.lock();
    try {
      if (closed != null) { // finished meanwhile: as a send after done, it is refused
        tokenOut = false;
        return closed;
      }
      append(element);
      giveBack = ring.length - size >= 1;
      tokenOut = giveBack;
    } finally {
      lock.unlock();
    }
    if (giveBack) {
      Tokens.put(space);
    }
    return null;
  }

  private void append(Object element) {
    ring[(head + size) % ring.length] = element;
    size++;
    if (takerWaiting) {
      takerWaiting = false;
      notEmpty.signal();
    }
  }

  private Object closedOr(Object channelClosed) {
    lock.lock();
    try {
      return closed != null ? closed : channelClosed;
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------- the loop's side

  /**
   * The next element, waiting for one; {@link ChannelClosed} once the input is finished and every
   * element in it was taken.
   */
  Object take() throws InterruptedException {
    Object element;
    lock.lock();
    try {
      while (size == 0) {
        if (closed != null) {
          return closed;
        }
        takerWaiting = true;
        try {
          notEmpty.await();
        } finally {
          takerWaiting = false;
        }
      }
      element = takeFirst();
    } finally {
      lock.unlock();
    }
    return giveTokenIfDue(element);
  }

  /**
   * For a finished input: the next element still in it, or {@link ChannelClosed} when none is left
   * (and none is taken afterwards). Never waits.
   */
  Object takeFinished() {
    Object element;
    lock.lock();
    try {
      if (size == 0) {
        if (closed == null) {
          throw new IllegalStateException("the input is not finished");
        }
        return closed;
      }
      element = takeFirst();
    } finally {
      lock.unlock();
    }
    return giveTokenIfDue(element);
  }

  /**
   * The loop is about to wait for something else (a permit to send): senders may fill the input
   * now, rather than once half of it is free, so that it holds all it may while the loop waits.
   */
  void openUp() {
    lock.lock();
    try {
      if (!tokenOut && size < ring.length) {
        tokenOut = true;
        tokenDue = true;
      }
    } finally {
      lock.unlock();
    }
    giveTokenIfDue(null);
  }

  /**
   * After the lock is released (so that the sender it wakes finds the lock free): puts the token
   * back if {@link #takeFirst} or {@link #openUp} made it due; returns {@code element}.
   */
  private Object giveTokenIfDue(Object element) {
    if (tokenDue) {
      tokenDue = false;
      Tokens.put(space);
    }
    return element;
  }

  /**
   * Under the lock. Once half the ring is free, the token is due back ({@link #tokenDue}: the
   * caller puts it after releasing the lock).
   */
  private Object takeFirst() {
    Object element = ring[head];
    ring[head] = null;
    head = head + 1 == ring.length ? 0 : head + 1;
    size--;
    if (!tokenOut && ring.length - size >= reopenAt) {
      tokenOut = true;
      tokenDue = true;
    }
    return element;
  }

  // ------------------------------------------------------------------- finishing

  @Override
  public void done() {
    if (doneOrClosed() instanceof ChannelClosed already) {
      throw already.toException();
    }
  }

  @Override
  public Object doneOrClosed() {
    return finish(new ChannelDone(space));
  }

  @Override
  public void error(Throwable reason) {
    if (errorOrClosed(reason) instanceof ChannelClosed already) {
      throw already.toException();
    }
  }

  @Override
  public Object errorOrClosed(Throwable reason) {
    return finish(new ChannelError(reason, space));
  }

  /** Finishes the input (null), or says how it was finished already. */
  private Object finish(ChannelClosed how) {
    lock.lock();
    try {
      if (closed != null) {
        return closed;
      }
      closed = how;
      if (takerWaiting) {
        takerWaiting = false;
        notEmpty.signal();
      }
    } finally {
      lock.unlock();
    }
    space.doneOrClosed(); // senders waiting for room see it finished
    Tokens.swallow(
        space); // and a select on it sees it finished too, not a token left in the buffer
    return null;
  }

  @Override
  public ChannelClosed closedForSend() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public ChannelClosed closedForReceive() {
    lock.lock();
    try {
      return size == 0 ? closed : null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "gregor input";
  }
}
