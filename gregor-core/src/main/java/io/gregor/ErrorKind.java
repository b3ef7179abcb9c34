package io.gregor;

/** What kind of thing went wrong; carried by every {@link Failure}. */
public enum ErrorKind {
  /** A message the producer cannot send as given: no topic, no value, a bad partition. */
  INVALID_MESSAGE,
  /** A key or value serializer threw. */
  SERIALIZATION,
  /**
   * Kafka reported a send as failed (record too large, timeout, ...), for another reason than the
   * broker refusing the client ({@link #AUTHORIZATION}, {@link #AUTHENTICATION}).
   */
  SEND_FAILED,
  /** A key or value deserializer threw on a consumed record; the consumer moved past it. */
  DESERIALIZATION,
  /** The transducer threw on an input; later inputs still flow. */
  TRANSDUCER,
  /**
   * The transducer stopped early: the producer takes no more input; the consumer delivers no more
   * records (its partitions stay paused, and records not delivered are not committed).
   */
  TRANSDUCER_STOPPED,
  /**
   * Input the producer accepted but could not send: it stopped taking input, it closed, or (a
   * transactional producer) no transaction was open when the message reached it.
   */
  NOT_SENT,
  /** An operation with invalid arguments, or one this client does not support. */
  INVALID_OPERATION,
  /**
   * A notice: a topic the consumer subscribed to by name, or a partition it was assigned, does not
   * exist. The subject is the topic's name, or the {@link org.apache.kafka.common.TopicPartition}.
   * The consumer goes on and reads it once it is created.
   */
  UNKNOWN_TOPIC,
  /** An operation that needs a subscription or an assignment when there is none. */
  NO_SUBSCRIPTION,
  /** A valid operation that Kafka failed to carry out. */
  OPERATION_FAILED,
  /**
   * The broker refused access to a topic, a group or the cluster (an ACL). A producer reports it
   * for each message it could not send, with the message as the subject; the client goes on with
   * what it may do.
   */
  AUTHORIZATION,
  /**
   * The client could not authenticate with the broker: wrong SASL credentials, or a failed TLS
   * handshake (the message then says why, for example that the broker's certificate is not
   * trusted). A producer reports it for each message it could not send.
   */
  AUTHENTICATION,
  /** Polling failed for another reason; the consumer keeps trying. */
  POLL_FAILED,
  /** An offset commit failed. */
  COMMIT_FAILED,
  /**
   * A transactional producer was fenced: another producer with the same {@code transactional.id}
   * has started (or the broker ended this producer's epoch). Its open transaction is aborted by the
   * broker; this producer refuses further messages and transaction operations with this kind, and
   * only close is left to do.
   */
  FENCED,
  /**
   * A transaction operation failed (begin, send offsets, commit, abort), or a commit was refused
   * because messages of the transaction were not sent. The transaction is not committed and stays
   * open: abort it and do its work again (a commit that timed out may also be retried).
   */
  TRANSACTION_FAILED,
  /** The Kafka client is in a state it cannot recover from; the stream ends after this event. */
  FATAL,
  /**
   * A record failed every try of its {@link RetryPolicy} and there is no dead-letter topic; the
   * failure names the record, and the record now counts as acknowledged.
   */
  PROCESSING_FAILED,
  /**
   * A record has waited for its acknowledgement longer than {@link
   * Acknowledgements#overdueAfter()}; commits of its partition stop before it until it is
   * acknowledged.
   */
  ACKNOWLEDGEMENT_OVERDUE,
  /**
   * Writing a record to the dead-letter topic failed; the record stays unacknowledged, so commits
   * of its partition stop before it.
   */
  DEAD_LETTER_FAILED
}
