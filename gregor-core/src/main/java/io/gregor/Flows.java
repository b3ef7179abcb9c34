package io.gregor;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.ChannelError;
import com.softwaremill.jox.Select;
import com.softwaremill.jox.Sink;
import com.softwaremill.jox.Source;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gregor's channels as {@link java.util.concurrent.Flow} publishers and subscribers (Reactive
 * Streams, as the JDK spells it), for Reactor, RxJava, Mutiny and the rest.
 *
 * <pre>{@code
 * Flow.Publisher<Event<Received<String, String>>> events =
 *     Flows.publisher(consumer, Flows.OnCancel.CLOSE);
 * Flow.Subscriber<Message<String, String>> messages = Flows.subscriber(producer);
 * }</pre>
 *
 * <p><b>A publisher</b> hands on the events of an output channel ({@link Event.Eof} aside), in
 * order, and takes from the channel only what its subscriber has requested: demand is the
 * backpressure, and without demand the events wait in the channel (a consumer then pauses its
 * partitions, as with any slow reader). {@link Event.Eof} (or the channel finishing) completes the
 * subscriber; a channel finished with an error fails it with that error. Error events are events,
 * as on the channel: the subscriber gets them with {@code onNext} and the stream goes on. A
 * publisher takes one subscriber, ever: a second gets {@code onError} with an {@link
 * IllegalStateException} saying so. Each subscription reads on a virtual thread of its own, which
 * calls the subscriber.
 *
 * <p><b>A subscriber</b> sends what it gets to a sink (a producer's input) on a virtual thread of
 * its own, in order, and requests more as the sink takes it: it never holds more than {@link
 * #SUBSCRIBER_BUFFER} elements. {@code onComplete} finishes the sink ({@code done()}) once
 * everything before it is in, which closes a producer in order. {@code onError} does the same, and
 * logs the cause at WARN: finishing the sink with the error instead ({@code error(cause)}) would
 * make a jox channel drop the messages still in its buffer, which the producer had accepted. When
 * the sink is finished by someone else, the subscriber cancels its subscription.
 */
public final class Flows {
  private static final Logger log = LoggerFactory.getLogger(Flows.class);

  /** How many elements a {@link #subscriber(Sink)} requests ahead of what the sink has taken. */
  public static final int SUBSCRIBER_BUFFER = 64;

  private Flows() {}

  /** What cancelling a consumer's subscription does to the consumer. */
  public enum OnCancel {
    /** Closes the consumer (in the background; it commits what was received, as close does). */
    CLOSE,
    /**
     * Only stops taking from the output: the consumer stays open, its events wait on the output for
     * another reader, and it pauses its partitions once the output is full.
     */
    DETACH
  }

  /**
   * The consumer's events as a publisher for one subscriber; cancelling the subscription closes the
   * consumer or detaches from it, per {@code onCancel}.
   */
  public static <T> Flow.Publisher<Event<T>> publisher(
      Consumer<?, ?, T> consumer, OnCancel onCancel) {
    Objects.requireNonNull(consumer, "consumer");
    Objects.requireNonNull(onCancel, "onCancel");
    Runnable cancelled =
        switch (onCancel) {
          case CLOSE -> consumer::close;
          case DETACH -> () -> {};
        };
    return new SourcePublisher<>(consumer.output(), cancelled, "consumer");
  }

  /**
   * Any channel of events (a producer's output, a consumer's, one of your own) as a publisher for
   * one subscriber; cancelling only stops taking from it.
   */
  public static <T> Flow.Publisher<Event<T>> publisher(Source<Event<T>> events) {
    return new SourcePublisher<>(Objects.requireNonNull(events, "events"), () -> {}, "channel");
  }

  /**
   * A subscriber sending what it gets to the producer's input; completing it closes the producer in
   * order (as {@code input().done()} does).
   */
  public static <I> Flow.Subscriber<I> subscriber(Producer<I, ?, ?> producer) {
    return subscriber(Objects.requireNonNull(producer, "producer").input());
  }

  /** A subscriber sending what it gets to {@code sink}; completing it finishes the sink. */
  public static <I> Flow.Subscriber<I> subscriber(Sink<I> sink) {
    return new SinkSubscriber<>(Objects.requireNonNull(sink, "sink"));
  }

  /*
   * Implementation notes. A subscription's reader thread is the only one that signals the
   * subscriber (rule 1.3), including the onError for a bad request (rule 3.9). It waits for demand,
   * then selects between the source and a cancel channel, so a cancel never makes it drop an event
   * it took: select takes from one clause only. request and cancel only change state and wake it,
   * so they never call the subscriber back (rule 3.3) and return at once (rules 3.4, 3.5).
   */
  private static final class SourcePublisher<T> implements Flow.Publisher<Event<T>> {
    private final Source<Event<T>> source;
    private final Runnable onCancel;
    private final String what;
    private final AtomicBoolean subscribed = new AtomicBoolean();

    SourcePublisher(Source<Event<T>> source, Runnable onCancel, String what) {
      this.source = source;
      this.onCancel = onCancel;
      this.what = what;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super Event<T>> subscriber) {
      Objects.requireNonNull(subscriber, "subscriber"); // rule 1.9
      if (!subscribed.compareAndSet(false, true)) {
        subscriber.onSubscribe(NO_SUBSCRIPTION);
        subscriber.onError(
            new IllegalStateException(
                "this publisher of a "
                    + what
                    + "'s events takes one subscriber, and it has had one; once that one has"
                    + " finished or detached, Flows.publisher makes a new publisher for the next"));
        return;
      }
      var subscription = new SourceSubscription<>(source, subscriber, onCancel);
      subscriber.onSubscribe(subscription);
      Thread.ofVirtual().name("gregor-publisher").start(subscription::run);
    }
  }

  private static final Flow.Subscription NO_SUBSCRIPTION =
      new Flow.Subscription() {
        @Override
        public void request(long n) {}

        @Override
        public void cancel() {}
      };

  private static final class SourceSubscription<T> implements Flow.Subscription {
    private static final Object CANCELLED = new Object();

    private final Source<Event<T>> source;
    // Not final: dropped once the subscription has ended (rule 3.13), while onCancel may still run.
    private Flow.Subscriber<? super Event<T>> subscriber;
    private final Runnable onCancel;
    private final Channel<Object> cancels = Channel.newBufferedChannel(1);
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long demand; // guarded by lock; Long.MAX_VALUE means unbounded (rule 3.17)
    private long badRequest; // guarded by lock; the first non-positive request, 0 when none

    SourceSubscription(
        Source<Event<T>> source, Flow.Subscriber<? super Event<T>> subscriber, Runnable onCancel) {
      this.source = source;
      this.subscriber = subscriber;
      this.onCancel = onCancel;
    }

    @Override
    public void request(long n) {
      lock.lock();
      try {
        if (n <= 0) {
          if (badRequest == 0) {
            badRequest = n == 0 ? -1 : n;
          }
        } else {
          demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void cancel() {
      if (cancelled.compareAndSet(false, true)) {
        try {
          cancels.sendOrClosed(CANCELLED); // never waits: the only send to a buffer of one
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
          changed.signalAll();
        } finally {
          lock.unlock();
        }
      }
    }

    /** Hands events on until the source ends or the subscription does; then runs onCancel. */
    void run() {
      boolean ended;
      try {
        ended = pump();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        subscriber.onError(e);
        return;
      } catch (RuntimeException e) {
        // A subscriber that throws breaks rule 2.13: its subscription counts as cancelled.
        log.warn("a subscriber threw; its subscription is cancelled", e);
        cancelled.set(true);
        ended = false;
      }
      subscriber = null; // only this thread reads it
      if (!ended) {
        try {
          onCancel.run();
        } catch (RuntimeException e) {
          log.warn("closing after the subscription was cancelled failed", e);
        }
      }
    }

    /**
     * Waits for demand, takes one event, hands it on; returns true when the source ended (the
     * subscriber was told), false when the subscription did (cancelled, or a bad request).
     */
    private boolean pump() throws InterruptedException {
      // A channel already finished needs no demand to say so (rules 1.4 and 1.5).
      if (source.closedForReceive() instanceof ChannelError(var cause, var channel)) {
        subscriber.onError(cause);
        return true;
      } else if (source.closedForReceive() instanceof ChannelClosed) {
        subscriber.onComplete();
        return true;
      }
      while (!cancelled.get()) {
        long bad = awaitDemand();
        if (bad != 0) {
          cancelled.set(true);
          subscriber.onError(
              new IllegalArgumentException(
                  "rule 3.9: request must be positive, was " + (bad == -1 ? 0 : bad)));
          return false;
        }
        if (cancelled.get()) {
          break;
        }
        Object next = Select.selectOrClosed(source.receiveClause(), cancels.receiveClause());
        switch (next) {
          case Object o when o == CANCELLED -> {}
          case ChannelError(var cause, var channel) -> {
            subscriber.onError(cause);
            return true;
          }
          case ChannelClosed ignored -> {
            subscriber.onComplete();
            return true;
          }
          case Event.Eof<?> ignored -> {
            subscriber.onComplete();
            return true;
          }
          default -> {
            taken();
            @SuppressWarnings("unchecked")
            Event<T> event = (Event<T>) next;
            subscriber.onNext(event);
          }
        }
      }
      return false;
    }

    /** Returns a bad request when one came, else 0 once there is demand or a cancel. */
    private long awaitDemand() throws InterruptedException {
      lock.lock();
      try {
        while (demand == 0 && badRequest == 0 && !cancelled.get()) {
          changed.await();
        }
        return badRequest;
      } finally {
        lock.unlock();
      }
    }

    private void taken() {
      lock.lock();
      try {
        if (demand != Long.MAX_VALUE) {
          demand--;
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /*
   * Implementation notes. onNext and the terminal signals only queue (the queue never holds more
   * than SUBSCRIBER_BUFFER elements plus one terminal signal, since that is all the subscriber
   * requests), so the publisher is never held up by a full sink (rule 2.2); the forwarding thread
   * does the blocking send and asks for one more after each.
   */
  private static final class SinkSubscriber<I> implements Flow.Subscriber<I> {
    private final Sink<I> sink;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final AtomicBoolean subscribed = new AtomicBoolean();

    private record Completed() {}

    private record Failed(Throwable cause) {}

    SinkSubscriber(Sink<I> sink) {
      this.sink = sink;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      Objects.requireNonNull(subscription, "subscription"); // rule 2.13
      if (!subscribed.compareAndSet(false, true)) {
        subscription.cancel(); // rule 2.5: one subscription at a time
        return;
      }
      Thread.ofVirtual().name("gregor-subscriber").start(() -> forward(subscription));
    }

    @Override
    public void onNext(I item) {
      queue.add(Objects.requireNonNull(item, "item"));
    }

    @Override
    public void onError(Throwable cause) {
      queue.add(new Failed(Objects.requireNonNull(cause, "cause")));
    }

    @Override
    public void onComplete() {
      queue.add(new Completed());
    }

    private void forward(Flow.Subscription subscription) {
      subscription.request(SUBSCRIBER_BUFFER);
      try {
        while (true) {
          switch (queue.take()) {
            case Completed ignored -> {
              sink.doneOrClosed();
              return;
            }
            case Failed(var cause) -> {
              log.warn("the publisher failed; finishing the input after what came before", cause);
              sink.doneOrClosed(); // not error(cause): that would drop what the sink holds
              return;
            }
            case Object item -> {
              @SuppressWarnings("unchecked")
              I input = (I) item;
              if (sink.sendOrClosed(input) instanceof ChannelClosed) {
                subscription.cancel(); // the producer has closed: nobody takes more
                return;
              }
              subscription.request(1);
            }
          }
        }
      } catch (InterruptedException e) {
        subscription.cancel();
        Thread.currentThread().interrupt();
      }
    }
  }
}
