package io.gregor;

/**
 * Thrown by the direct-call methods of {@link Producer} and {@link Consumer} when the operation
 * fails; carries the same {@link Failure} the channel form would have sent as an error event.
 */
public final class GregorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Failure failure;

  public GregorException(Failure failure) {
    super(failure.kind() + ": " + failure.message(), failure.cause());
    this.failure = failure;
  }

  /** What went wrong. */
  public Failure failure() {
    return failure;
  }
}
