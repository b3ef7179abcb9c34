package io.gregor.internal;

import io.gregor.ErrorKind;
import io.gregor.Failure;
import io.gregor.GregorException;
import io.gregor.Operation;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * An operation made by a direct method call: it travels through the control channel like any other
 * operation, and its result completes {@code reply} instead of becoming an event.
 */
public record Request<R>(Operation<R> operation, CompletableFuture<R> reply) {

  /** A request for {@code operation} with a fresh reply. */
  public static <R> Request<R> of(Operation<R> operation) {
    return new Request<>(operation, new CompletableFuture<>());
  }

  /** Completes the reply with a result of the operation's type. */
  @SuppressWarnings("unchecked")
  public void complete(Object value) {
    reply.complete((R) value);
  }

  /** Waits for the reply. */
  public R await() {
    try {
      return reply.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GregorException(
          new Failure(
              ErrorKind.OPERATION_FAILED, "interrupted waiting for " + operation, e, operation));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof GregorException g) {
        throw new GregorException(g.failure());
      }
      throw new GregorException(
          new Failure(
              ErrorKind.OPERATION_FAILED, String.valueOf(e.getCause()), e.getCause(), operation));
    }
  }
}
