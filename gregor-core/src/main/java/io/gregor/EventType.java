package io.gregor;

/**
 * The four kinds of {@link Event}. An output policy is a set of these: it says which events reach
 * the output channel. {@link #EOF} is always delivered; a consumer always delivers {@link #DATA}.
 */
public enum EventType {
  /** A consumed record (consumer) or a delivery result (producer). */
  DATA,
  /** The result of a control operation, or a rebalance notice. */
  CONTROL,
  /** Anything that went wrong, as data. */
  ERROR,
  /** The last event of a stream, after close. */
  EOF
}
