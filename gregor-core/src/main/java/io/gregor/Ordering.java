package io.gregor;

/** The order in which {@link Consumer#process} runs handlers. */
public enum Ordering {
  /** Records with equal keys (and topic) one after another, in offset order; others in parallel. */
  KEY,
  /** Records of one partition one after another, in offset order; partitions in parallel. */
  PARTITION,
  /** Every record in parallel, up to the concurrency. */
  UNORDERED
}
