package io.gregor;

/** What happened to a consumer's partitions in a rebalance. */
public enum RebalanceKind {
  /** The partitions now belong to this consumer. */
  ASSIGNED,
  /** The partitions were taken away in an orderly way; received offsets were committed first. */
  REVOKED,
  /** The partitions were lost (e.g. the session expired); their offsets could not be committed. */
  LOST
}
