package io.gregor.internal;

import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.SelectClause;
import com.softwaremill.jox.Source;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The consumer's output as the user sees it: the output channel, counting every element a reader
 * takes, by any means ({@code receive}, {@code receiveOrClosed}, a select clause). The poll loop
 * reads the count to know which records the application has received, so commits never pass a
 * record still sitting in the channel's buffer.
 */
final class ReceiptCountingSource<E> implements Source<E> {
  private final Source<E> channel;
  private final AtomicLong received = new AtomicLong();

  ReceiptCountingSource(Source<E> channel) {
    this.channel = channel;
  }

  /** How many elements readers have taken so far. */
  long received() {
    return received.get();
  }

  private <T> T counted(T element) {
    received.incrementAndGet();
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

  @Override
  public void done() {
    channel.done();
  }

  @Override
  public Object doneOrClosed() {
    return channel.doneOrClosed();
  }

  @Override
  public void error(Throwable reason) {
    channel.error(reason);
  }

  @Override
  public Object errorOrClosed(Throwable reason) {
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
    return "gregor consumer output (" + channel + ")";
  }
}
