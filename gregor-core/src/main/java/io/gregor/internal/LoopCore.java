package io.gregor.internal;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelClosed;
import io.gregor.ErrorKind;
import io.gregor.Failure;
import io.gregor.GregorException;
import io.gregor.Operation;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * What every thread that owns a Kafka client needs, shared by the producer's {@link SendLoop} and
 * the consumer's {@link PollLoop}:
 *
 * <ul>
 *   <li>the owner thread, and the termination everyone can wait for ({@link #awaitTermination}). It
 *       is a platform thread (a daemon): it spends its life blocked in Kafka's client (a selector's
 *       wait, Kafka's locks), where a virtual thread gains nothing, and each wake of a virtual
 *       thread also wakes a carrier thread of the scheduler. In the latency benchmark (10,000
 *       messages a second, each one alone) virtual loop threads cost 3.1 context switches and 108
 *       µs of CPU a message against 1.7 and 92 µs with platform ones, and the median latency 1.1 ms
 *       against 0.8 ms; throughput did not change;
 *   <li>the control channel, and a forwarding thread that hands each operation to the loop through
 *       the loop's own bounded intake ({@link Intake}); finishing the control channel hands the
 *       loop {@link #CONTROL_FINISHED}, which means close;
 *   <li>direct calls ({@link #call}): an operation travels as a {@link Request} and the caller
 *       waits for its reply; a call on the owner thread itself (from a transducer, a serializer or
 *       a deserializer) would wait for itself, so it throws instead;
 *   <li>the termination guard: once the loop has ended, for whatever reason, every pending and
 *       later call fails at once, with the loop's failure as its cause when it failed;
 *   <li>refusing what arrives too late ({@link #refuse}) and draining the intake at close ({@link
 *       #finishIntake}).
 * </ul>
 */
final class LoopCore {
  private static final Logger log = LoggerFactory.getLogger(LoopCore.class);

  /** Handed to the loop when the user finishes the control channel: an orderly close. */
  static final Object CONTROL_FINISHED =
      new Object() {
        @Override
        public String toString() {
          return "CONTROL_FINISHED";
        }
      };

  /** How an operation reaches the loop: blocks while the loop's intake is full. */
  @FunctionalInterface
  interface Intake {
    /** Hands {@code item} to the loop; the loop takes everything, up to its close. */
    void offer(Object item) throws InterruptedException;
  }

  private final String client;
  private final Channel<Object> control;
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final Thread thread;
  private final Thread forwarder;
  private final Map<String, String> context;
  private Intake intake;

  /** Why the loop ended, when it failed. */
  private volatile Throwable failure;

  /**
   * Prepares the owner thread (named {@code name}) and the forwarder; {@link #start} starts them.
   *
   * @param client "producer" or "consumer", for messages
   */
  LoopCore(String client, String name, int controlCapacity, Runnable loop) {
    this(client, name, controlCapacity, Map.of(), loop);
  }

  /**
   * As {@link #LoopCore(String, String, int, Runnable)}, with SLF4J's MDC on both threads set to
   * {@code context} (which client this is), so that every log line they write says so.
   */
  LoopCore(
      String client, String name, int controlCapacity, Map<String, String> context, Runnable loop) {
    this.context = Map.copyOf(context);
    this.client = client;
    this.control = Channel.newBufferedChannel(controlCapacity);
    this.thread = Thread.ofPlatform().daemon().name(name).unstarted(() -> runLoop(loop));
    this.forwarder =
        Thread.ofVirtual()
            .name(name + "-control")
            .unstarted(
                () -> {
                  MDC.setContextMap(this.context);
                  forward();
                });
  }

  /** Starts the loop and the forwarder, which hands operations to {@code intake}. */
  void start(Intake intake) {
    this.intake = intake;
    thread.start();
    forwarder.start();
  }

  @SuppressWarnings("unchecked")
  <O> Channel<O> control() {
    return (Channel<O>) control;
  }

  /** Whether the caller is the owner thread. */
  boolean onOwnThread() {
    return Thread.currentThread() == thread;
  }

  /** The owner thread's name. */
  String name() {
    return thread.getName();
  }

  /**
   * Wakes the owner thread if it is parked (see {@link java.util.concurrent.locks.LockSupport}).
   */
  void unpark() {
    LockSupport.unpark(thread);
  }

  /** Records why the loop is ending; later refusals and calls carry it as their cause. */
  void failed(Throwable cause) {
    failure = cause;
  }

  /**
   * Runs {@code operation} through the loop and returns its result.
   *
   * @param closeDirectly takes a close request instead of the control channel, so that a close
   *     never waits behind other operations; or null, for a close through the control channel
   * @throws GregorException when the operation fails, when the client is closed or its loop failed,
   *     or when called on the owner thread
   */
  <R> R call(Operation<R> operation, Consumer<Request<?>> closeDirectly) {
    if (onOwnThread()) {
      throw new GregorException(
          new Failure(
              ErrorKind.INVALID_OPERATION,
              operation
                  + " cannot be called on the "
                  + client
                  + "'s own thread (from a transducer, serializer or deserializer): it would wait"
                  + " for itself",
              null,
              operation));
    }
    boolean close = operation instanceof Operation.Close;
    Request<R> request = Request.of(operation);
    try {
      if (terminated.isDone()) {
        // refused below
      } else if (close && closeDirectly != null) {
        closeDirectly.accept(request);
        CompletableFuture.anyOf(request.reply(), terminated).get();
      } else if (!(control.sendOrClosed(request) instanceof ChannelClosed)) {
        CompletableFuture.anyOf(request.reply(), terminated).get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GregorException(
          new Failure(
              ErrorKind.OPERATION_FAILED, "interrupted waiting for " + operation, e, operation));
    } catch (ExecutionException e) {
      // The reply failed: request.await() below throws its failure.
    }
    if (request.reply().isDone()) {
      return request.await();
    }
    // The loop ended (or is ending) without taking the request.
    if (close) {
      awaitTermination();
      return null;
    }
    throw new GregorException(closedFailure(operation));
  }

  /** Waits until the loop has ended. */
  void awaitTermination() {
    try {
      terminated.join();
    } catch (RuntimeException e) {
      // terminated never completes exceptionally
    }
  }

  /** The failure that refuses {@code subject}: the client is closed, or its loop failed. */
  Failure closedFailure(Object subject) {
    Throwable cause = failure;
    return cause == null
        ? new Failure(ErrorKind.INVALID_OPERATION, "the " + client + " is closed", null, subject)
        : new Failure(ErrorKind.FATAL, "the " + client + " failed: " + cause, cause, subject);
  }

  /**
   * Refuses an item that came too late: a direct call fails, and an operation from the control
   * channel becomes an error event through {@code emitError}. A direct close is left to the
   * termination guard of {@link #call}: it returns once the loop has ended, not before the client
   * is closed.
   */
  void refuse(Object item, Consumer<Failure> emitError) {
    if (item == CONTROL_FINISHED) {
      return;
    }
    if (item instanceof Request<?> request) {
      if (request.operation() instanceof Operation.Close) {
        return; // the caller returns when the loop has ended
      } else {
        request
            .reply()
            .completeExceptionally(new GregorException(closedFailure(request.operation())));
      }
    } else {
      emitError.accept(closedFailure(item));
    }
  }

  /**
   * At close: finishes the control channel, and refuses what is still on its way through the
   * forwarder; {@code drain} takes what the loop's intake still holds and refuses it. Returns once
   * the forwarder has ended, so that nothing can reach the intake any more.
   */
  void finishIntake(Runnable drain) {
    control.doneOrClosed();
    boolean interrupted = false;
    while (forwarder.isAlive()) {
      drain.run(); // the forwarder may wait for room in a full intake
      try {
        forwarder.join(10);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    drain.run();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void runLoop(Runnable loop) {
    MDC.setContextMap(context);
    try {
      loop.run();
    } catch (RuntimeException | Error e) {
      // The loop's own handlers report failures and close; this is the last resort, when closing
      // failed too: release every sender (also those waiting for room) and the forwarder.
      failure = e;
      log.error("{} ended with a failure", thread.getName(), e);
      abandon(e);
    } finally {
      MDC.clear();
      terminated.complete(null);
    }
  }

  /**
   * For when the loop cannot close in order: errors the control channel, which releases every
   * sender (also those waiting for room), and stops the forwarder.
   */
  void abandon(Throwable cause) {
    control.errorOrClosed(cause);
    forwarder.interrupt();
  }

  private void forward() {
    try {
      while (true) {
        Object next = control.receiveOrClosed();
        if (next instanceof ChannelClosed) {
          // The user finished the control channel (or the loop did, closing): close.
          intake.offer(CONTROL_FINISHED);
          return;
        }
        intake.offer(next);
      }
    } catch (InterruptedException e) {
      log.debug("{} was interrupted", forwarder.getName());
    }
  }
}
