package io.gregor.internal;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which partitions the consumer fetches from: the user's pauses, and backpressure. Owned by the
 * poll loop's thread.
 *
 * <p>States: {@link State#FLOWING}; {@link State#BACKED_UP} while more events wait for the output
 * than the limit (or records of the last poll wait for the pipeline), when every assigned partition
 * is paused (including partitions assigned meanwhile) and the loop keeps polling, so the consumer
 * stays in its group; back to flowing once the waiting events have drained to half the limit;
 * {@link State#STOPPED} once the transducer has stopped or the reader has finished the output, for
 * good. A partition the user paused stays paused whatever the state.
 */
final class FlowControl {
  private static final Logger log = LoggerFactory.getLogger(FlowControl.class);

  enum State {
    FLOWING,
    BACKED_UP,
    STOPPED
  }

  private final Consumer<?, ?> consumer;
  private final long limit;
  private final Set<TopicPartition> userPaused = new HashSet<>();
  private State state = State.FLOWING;

  /**
   * @param limit how many events may wait for the output before fetching pauses
   */
  FlowControl(Consumer<?, ?> consumer, long limit) {
    this.consumer = consumer;
    this.limit = limit;
  }

  State state() {
    return state;
  }

  /** How many events may wait for the output before fetching pauses. */
  long limit() {
    return limit;
  }

  /**
   * Pauses or resumes for {@code waiting} events (and whether records of the last poll wait for the
   * pipeline).
   */
  void update(long waiting, boolean recordsPending) {
    switch (state) {
      case FLOWING -> {
        if (waiting > limit || recordsPending) {
          state = State.BACKED_UP;
          Set<TopicPartition> paused = pauseAll();
          log.debug("output backed up ({} events waiting): paused {}", waiting, paused);
        }
      }
      case BACKED_UP -> {
        if (waiting <= limit / 2 && !recordsPending) {
          state = State.FLOWING;
          Set<TopicPartition> resumed = new HashSet<>(consumer.assignment());
          resumed.removeAll(userPaused);
          consumer.resume(resumed);
          log.debug("output has room: resumed {}", resumed);
        } // else: partitions assigned meanwhile were paused as they came (assigned)
      }
      case STOPPED -> {} // the same
      default -> throw new IllegalStateException("unknown state " + state);
    }
  }

  /** Stops fetching for good (the transducer stopped, or the reader finished the output). */
  void stop() {
    state = State.STOPPED;
    pauseAll();
  }

  /**
   * Newly assigned partitions (by a rebalance, or by the user's assign) start paused unless the
   * consumer is flowing.
   */
  void assigned(Collection<TopicPartition> partitions) {
    if (state != State.FLOWING) {
      consumer.pause(partitions);
    }
  }

  /** The user pauses these partitions (Kafka has validated them). */
  void pause(Set<TopicPartition> partitions) {
    consumer.pause(partitions);
    userPaused.addAll(partitions);
  }

  /**
   * The user resumes these partitions; they fetch again unless backpressure holds them.
   *
   * @throws IllegalStateException when one is not assigned (nothing changes then)
   */
  void resume(Set<TopicPartition> partitions) {
    Set<TopicPartition> assigned = consumer.assignment();
    for (TopicPartition partition : partitions) {
      if (!assigned.contains(partition)) {
        throw new IllegalStateException(
            "No current assignment for partition " + partition + ": it cannot be resumed");
      }
    }
    userPaused.removeAll(partitions);
    if (state == State.FLOWING) {
      consumer.resume(partitions);
    }
  }

  /** The partitions the user paused that are still assigned. */
  Set<TopicPartition> userPaused() {
    Set<TopicPartition> paused = new HashSet<>(userPaused);
    paused.retainAll(consumer.assignment());
    return Set.copyOf(paused);
  }

  /** These partitions are no longer assigned. */
  void forget(Collection<TopicPartition> partitions) {
    userPaused.removeAll(partitions);
  }

  private Set<TopicPartition> pauseAll() {
    Set<TopicPartition> toPause = new HashSet<>(consumer.assignment());
    toPause.removeAll(consumer.paused());
    if (!toPause.isEmpty()) {
      consumer.pause(toPause);
    }
    return toPause;
  }
}
