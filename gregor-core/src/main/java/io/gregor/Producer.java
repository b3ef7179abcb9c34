package io.gregor;

import com.softwaremill.jox.Sink;
import com.softwaremill.jox.Source;
import io.gregor.internal.SendLoop;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka producer with channels: send messages (or, with a transducer, any input) on {@link
 * #input()}, operations on {@link #control()}, and read every outcome from {@link #output()}.
 *
 * <pre>{@code
 * try (var producer = Producer.create(
 *     ProducerSettings.create(bootstrap, Codecs.string(), Codecs.string())
 *         .withOutputPolicy(EventType.DATA, EventType.ERROR))) {
 *   producer.input().send(Message.of("greetings", "hello"));
 *   producer.flush();
 * }
 * }</pre>
 *
 * <p>Sending never waits for the broker: results arrive on the output as {@link Event.Data} events
 * carrying a {@link Sent} (when DATA is in the output policy) or {@link Event.Error} events, one
 * per message. Errors never end the stream: an invalid message, a serializer or transducer that
 * throws, a send Kafka rejects, a bad operation each become an error event naming what failed.
 *
 * <p><b>Backpressure.</b> When the output channel is full (nobody reads it), or Kafka's buffer is,
 * the producer stops taking input: {@code input().send} then waits, so memory stays bounded by the
 * buffer sizes and {@link ProducerSettings#maxInFlight()}. Read the output (or leave DATA out of
 * the policy) to keep it moving. The direct calls ({@link #flush()}, {@link #metrics()}, ...) also
 * wait for their turn behind the inputs; {@link #close()} does not need a reader.
 *
 * <p><b>Closing</b> (the {@link Operation.Close} operation, {@link #close()}, or finishing the
 * input channel with {@code input().done()}) sends everything accepted so far, runs the
 * transducer's finisher, emits the close result and {@link Event.Eof}, and finishes every channel;
 * later sends fail at once. A transducer that stops early (such as {@link Transducers#take}) makes
 * the producer report {@link ErrorKind#TRANSDUCER_STOPPED} and finish the input channel (accepted
 * inputs it will not send are reported as {@link ErrorKind#NOT_SENT}); operations still work until
 * close.
 *
 * <p><b>Transactions.</b> With a {@code transactional.id} in the Kafka settings the producer is
 * transactional: {@link #create} registers it with the broker ({@code initTransactions}, bounded by
 * {@code max.block.ms}; a failure is thrown there), and messages are sent only inside a
 * transaction: {@link #beginTransaction()}, send, {@link #sendOffsetsToTransaction}, {@link
 * #commitTransaction()} or {@link #abortTransaction()}. The input and these operations form one
 * sequence: a commit includes every message accepted before it. A message taken while no
 * transaction is open is reported {@link ErrorKind#NOT_SENT}. Once fenced by a newer producer with
 * the same id, the producer refuses messages and transaction operations ({@link ErrorKind#FENCED}).
 * Closing with a transaction open aborts it.
 *
 * <p>The direct calls must not be made from the producer's own thread (inside a transducer or a
 * serializer): they would wait for themselves, so they throw instead.
 *
 * @param <I> what the input channel takes: {@code Message<K, V>} without a transducer
 */
public final class Producer<I, K, V> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Producer.class);

  private final SendLoop<I, K, V> loop;
  private final ProducerSettings<I, K, V> settings;

  private Producer(SendLoop<I, K, V> loop, ProducerSettings<I, K, V> settings) {
    this.loop = loop;
    this.settings = settings;
  }

  /** The settings this producer was created with. */
  public ProducerSettings<I, K, V> settings() {
    return settings;
  }

  /**
   * Creates and starts a producer.
   *
   * @throws IllegalArgumentException when a setting is invalid (the message names it)
   * @throws org.apache.kafka.common.KafkaException when Kafka rejects its configuration
   * @throws GregorException when a transactional producer cannot register with the broker within
   *     {@code max.block.ms} (or is refused); nothing is left running then
   */
  public static <I, K, V> Producer<I, K, V> create(ProducerSettings<I, K, V> settings) {
    var valid = settings.validate();
    return new Producer<>(new SendLoop<>(valid), valid);
  }

  /** Where inputs go. */
  public Sink<I> input() {
    return loop.input();
  }

  /** Every outcome, in order; finished after {@link Event.Eof}. */
  public Source<Event<Sent<K, V>>> output() {
    return loop.output();
  }

  /** Where operations go; their results arrive on {@link #output()}. */
  public Sink<ProducerOperation<?>> control() {
    return loop.control();
  }

  /**
   * Runs any producer operation through the loop and returns its result.
   *
   * @throws GregorException when it fails
   */
  public <R> R call(ProducerOperation<R> operation) {
    return loop.call(operation);
  }

  /** The partitions of {@code topic}, with leaders and replicas. */
  public List<PartitionDetails> partitionsFor(String topic) {
    return call(new Operation.PartitionsFor(topic));
  }

  /** Returns once every message accepted so far has been acknowledged or has failed. */
  public void flush() {
    call(new Operation.Flush());
  }

  /** Starts a transaction (see {@link Operation.BeginTransaction}). */
  public void beginTransaction() {
    call(new Operation.BeginTransaction());
  }

  /**
   * Adds consumer offsets to the open transaction (see {@link Operation.SendOffsetsToTransaction}).
   */
  public void sendOffsetsToTransaction(
      Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata) {
    call(new Operation.SendOffsetsToTransaction(offsets, groupMetadata));
  }

  /**
   * Commits the open transaction: every message accepted before this call, and the offsets sent to
   * it (see {@link Operation.CommitTransaction}).
   */
  public void commitTransaction() {
    call(new Operation.CommitTransaction());
  }

  /** Aborts the open transaction (see {@link Operation.AbortTransaction}). */
  public void abortTransaction() {
    call(new Operation.AbortTransaction());
  }

  /**
   * What the producer has done so far: events made and taken, messages in flight, errors by kind.
   * Any thread; never waits for the loop.
   */
  public Statistics statistics() {
    return loop.statistics();
  }

  /** The Kafka producer's metrics. */
  public List<MetricValue> metrics() {
    return call(new Operation.Metrics());
  }

  /**
   * Closes in order (see the class comment) and returns once the Kafka producer is closed, even
   * when nobody reads the output. The close result and EOF still go to the output, after the
   * results of every accepted message; calling it again does nothing.
   *
   * <p>Error events nobody has read by then are not lost silently: they are logged at WARN, counted
   * by kind with a few examples (a reader still taking events gets a moment to take them first).
   *
   * @throws GregorException with {@link ProducerSettings#withCloseFailsOnUnreadErrors}, when error
   *     events were left unread (the producer is closed all the same)
   */
  @Override
  public void close() {
    loop.call(new Operation.Close());
    loop.unreadErrors().reportAtClose("producer", settings.closeFailsOnUnreadErrors(), log);
  }
}
