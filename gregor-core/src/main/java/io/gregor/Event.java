package io.gregor;

import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Everything a producer or consumer reports arrives on its output channel as an event.
 *
 * <pre>{@code
 * switch (event) {
 *   case Event.Data(var record) -> handle(record);
 *   case Event.Result(var operation, var value) -> log.info("{} -> {}", operation, value);
 *   case Event.Rebalance(var kind, var partitions) -> log.info("{} {}", kind, partitions);
 *   case Event.Error(var failure) -> log.warn("{}", failure.message(), failure.cause());
 *   case Event.Eof() -> done();
 * }
 * }</pre>
 *
 * @param <T> the type of data: {@link Received} for a consumer without a transducer, {@link Sent}
 *     for a producer, or whatever a consumer's transducer produces
 */
public sealed interface Event<T> {

  /** The kind of this event, as used by output policies. */
  EventType type();

  /** A consumed record (or a transducer's output), or a producer's delivery result. */
  record Data<T>(T value) implements Event<T> {
    @Override
    public EventType type() {
      return EventType.DATA;
    }
  }

  /** A control event: the result of an operation, or a notice from the Kafka client. */
  sealed interface Control<T> extends Event<T> {
    @Override
    default EventType type() {
      return EventType.CONTROL;
    }
  }

  /**
   * The result of a control operation. {@code value} has the type named by the operation's type
   * argument ({@code null} for operations that return nothing).
   */
  record Result<T>(Operation<?> operation, Object value) implements Control<T> {}

  /** The consumer's group membership changed: partitions were assigned, revoked or lost. */
  record Rebalance<T>(RebalanceKind kind, Set<TopicPartition> partitions) implements Control<T> {
    public Rebalance {
      partitions = Set.copyOf(partitions);
    }
  }

  /** Something went wrong; the stream goes on unless {@link Failure#kind()} says otherwise. */
  record Error<T>(Failure failure) implements Event<T> {
    @Override
    public EventType type() {
      return EventType.ERROR;
    }
  }

  /** The last event: the producer or consumer has closed and its channels are done. */
  record Eof<T>() implements Event<T> {
    @Override
    public EventType type() {
      return EventType.EOF;
    }
  }
}
