package io.gregor.internal;

import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.SelectClause;
import com.softwaremill.jox.Source;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A client's output as the user sees it: the output channel, counting every element a reader takes,
 * by any means ({@code receive}, {@code receiveOrClosed}, a select clause), and the errors among
 * them ({@link UnreadErrors}). The poll loop reads the count to know which records the application
 * has received, so commits never pass a record still sitting in the channel's buffer.
 *
 * <p>It also knows when the channel has room again: the loop asks, with {@link #wakeWhenReceived},
 * to be woken once readers have taken a given number of elements.
 */
final class ReceiptCountingSource<E> implements Source<E> {
  private final Source<E> channel;
  private final AtomicLong received = new AtomicLong();

  /** When {@link #received} reaches this (0: never), {@link #onWake} runs once. */
  private final AtomicLong wakeAt = new AtomicLong();

  private final Runnable onWake;
  private final UnreadErrors unreadErrors;

  ReceiptCountingSource(Source<E> channel, Runnable onWake, UnreadErrors unreadErrors) {
    this.channel = channel;
    this.onWake = onWake;
    this.unreadErrors = unreadErrors;
  }

  /**
   * Runs the wake-up action once readers have taken {@code count} elements in all (at once, on this
   * thread, if they already have); replaces an earlier request.
   */
  void wakeWhenReceived(long count) {
    wakeAt.set(count);
    if (received.get() >= count && wakeAt.compareAndSet(count, 0)) {
      onWake.run();
    }
  }

  /** How many elements readers have taken so far. */
  long received() {
    return received.get();
  }

  private <T> T counted(T element) {
    unreadErrors.taken(element);
    long count = received.incrementAndGet();
    long wake = wakeAt.get();
    if (wake != 0 && count >= wake && wakeAt.compareAndSet(wake, 0)) {
      onWake.run();
    }
    return element;
  }

  @Override
  public E receive() throws InterruptedException {
    return counted(channel.receive());
  }

  @Override
  public Object receiveOrClosed() throws InterruptedException {
    Object result = channel.receiveOrClosed();
    return result instanceof ChannelClosed ? result : counted(result);
  }

  @Override
  public SelectClause<E> receiveClause() {
    return channel.receiveClause(this::counted);
  }

  @Override
  public <U> SelectClause<U> receiveClause(Function<E, U> callback) {
    return channel.receiveClause(element -> callback.apply(counted(element)));
  }

  // A reader finishing the output wants no more events: those dropped then are not unread errors.

  @Override
  public void done() {
    unreadErrors.readerFinished();
    channel.done();
  }

  @Override
  public Object doneOrClosed() {
    unreadErrors.readerFinished();
    return channel.doneOrClosed();
  }

  @Override
  public void error(Throwable reason) {
    unreadErrors.readerFinished();
    channel.error(reason);
  }

  @Override
  public Object errorOrClosed(Throwable reason) {
    unreadErrors.readerFinished();
    return channel.errorOrClosed(reason);
  }

  @Override
  public ChannelClosed closedForSend() {
    return channel.closedForSend();
  }

  @Override
  public ChannelClosed closedForReceive() {
    return channel.closedForReceive();
  }

  @Override
  public String toString() {
    return "gregor output (" + channel + ")";
  }
}
