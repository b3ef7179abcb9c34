package io.gregor;

import com.softwaremill.jox.Sink;
import com.softwaremill.jox.Source;
import io.gregor.internal.PollLoop;
import io.gregor.internal.Processor;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka consumer with channels: records (or what the transducer makes of them) arrive on {@link
 * #output()} as {@link Event.Data} events, together with control results, rebalance notices and
 * errors; operations go to {@link #control()}, or through the methods here.
 *
 * <pre>{@code
 * try (var consumer = Consumer.create(
 *     ConsumerSettings.create(bootstrap, "greeters", Codecs.string(), Codecs.string())
 *         .withTopics("greetings")
 *         .withKafka("auto.offset.reset", "earliest"))) {
 *   while (consumer.output().receive() instanceof Event.Data(var record)) {
 *     System.out.println(record.value());
 *   }
 * }
 * }</pre>
 *
 * <p>One thread owns the Kafka consumer and runs every operation; an operation cuts a long poll
 * short. When the output channel is full, the consumer pauses its partitions and keeps polling (it
 * stays in its group) until there is room, so memory stays bounded whatever the backlog.
 *
 * <p><b>Commits.</b> A record counts as received when a reader has taken its event from the output
 * channel. Automatic commits ({@code enable.auto.commit}, on by default as in Kafka) and {@link
 * #commit()} commit exactly what has been received, never a record still waiting in the channel's
 * buffer; when partitions are revoked and at close, what was received is committed first. {@link
 * #commit(Map)} commits exactly the offsets given.
 *
 * <p><b>Errors</b> are events: a record that cannot be deserialized, a transducer that throws, an
 * operation that fails or a poll Kafka refuses becomes an {@link Event.Error} saying what and where
 * (a record's {@link Failure.Coordinates}, the {@link Operation}), and the consumer goes on. The
 * direct-call methods throw a {@link GregorException} carrying the same {@link Failure} instead.
 *
 * <p><b>Calls never wait forever.</b> The direct calls must not be made from the consumer's own
 * thread (inside a transducer or a deserializer): they would wait for themselves, so they throw
 * instead. If the loop itself fails (an {@link Error} from user code), pending and later calls fail
 * at once with a {@link ErrorKind#FATAL} failure carrying the cause. Finishing the control channel
 * ({@code control().done()}) closes the consumer. While the output is backed up, operations sent on
 * the control channel wait there (it holds 64), so {@code control().send} blocks instead of results
 * piling up; direct calls and {@link #close()} still run.
 *
 * <p><b>Other readers.</b> {@link #stream()} gives the data values as a {@link
 * java.util.stream.Stream} for a blocking reader; {@link Flows#publisher(Consumer, Flows.OnCancel)}
 * gives the events as a {@link java.util.concurrent.Flow.Publisher} whose demand is the
 * backpressure. Both take from the output, so a record counts as received once they have taken it.
 *
 * <p><b>A reader that has had enough</b> may finish the output itself ({@code output().done()}):
 * the consumer then stops fetching (its partitions stay paused), drops later events and commits
 * nothing beyond what was received; direct calls and {@link #close()} still work.
 *
 * @param <T> what data events carry: {@code Received<K, V>} without a transducer
 */
public final class Consumer<K, V, T> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Consumer.class);

  private final PollLoop<K, V, T> loop;
  private final ConsumerSettings<K, V, T> settings;
  private final java.util.concurrent.atomic.AtomicBoolean processing =
      new java.util.concurrent.atomic.AtomicBoolean();

  private Consumer(PollLoop<K, V, T> loop, ConsumerSettings<K, V, T> settings) {
    this.loop = loop;
    this.settings = settings;
  }

  /** The settings this consumer was created with. */
  public ConsumerSettings<K, V, T> settings() {
    return settings;
  }

  /**
   * Creates and starts a consumer (and subscribes, when the settings name topics).
   *
   * @throws IllegalArgumentException when a setting is invalid (the message names it)
   * @throws org.apache.kafka.common.KafkaException when Kafka rejects its configuration
   */
  public static <K, V, T> Consumer<K, V, T> create(ConsumerSettings<K, V, T> settings) {
    var valid = settings.validate();
    return new Consumer<>(new PollLoop<>(valid), valid);
  }

  /** Every outcome, in order; finished after {@link Event.Eof}. */
  public Source<Event<T>> output() {
    return loop.output();
  }

  /** Where operations go; their results arrive on {@link #output()}. */
  public Sink<ConsumerOperation<?>> control() {
    return loop.control();
  }

  /**
   * Runs any consumer operation through the loop and returns its result (no event is emitted).
   *
   * @throws GregorException when it fails
   */
  public <R> R call(ConsumerOperation<R> operation) {
    return loop.call(operation);
  }

  /**
   * Says the application has processed {@code record}, the very object a data event carried; with
   * {@link ConsumerSettings#withAcknowledgements}, commits then go past it once every record before
   * it in its partition is acknowledged too. Any thread, any order; never blocks. A record of a
   * partition the consumer no longer has (revoked, lost, sought) changes nothing.
   *
   * @throws IllegalStateException when the consumer commits what the reader takes instead
   */
  public void acknowledge(Received<?, ?> record) {
    requireAcknowledgements("acknowledge");
    loop.acknowledge(Objects.requireNonNull(record, "record"));
  }

  /**
   * Says processing {@code record} failed: the {@link RetryPolicy} of the settings' {@link
   * Acknowledgements} takes it. Before the last try it comes again on the output after the backoff
   * (as a new data event carrying the same object, after the events made meanwhile); after it, it
   * goes to the dead-letter topic or becomes an {@link ErrorKind#PROCESSING_FAILED} event, and
   * counts as acknowledged. Any thread; never blocks.
   *
   * @throws IllegalStateException when the consumer commits what the reader takes instead
   */
  public void reject(Received<?, ?> record, Throwable cause) {
    requireAcknowledgements("reject");
    loop.reject(Objects.requireNonNull(record, "record"), cause);
  }

  /**
   * Processes every record with {@code handler}, on virtual threads, at most {@code concurrency} at
   * once, keeping {@code ordering}: records of one key (or partition) one after another in offset
   * order. A handler that returns acknowledges its record; one that throws is tried again per the
   * {@link RetryPolicy}, and after the last try the record goes to the dead-letter topic or becomes
   * an {@link ErrorKind#PROCESSING_FAILED} error event. Needs {@link
   * ConsumerSettings#withAcknowledgements}.
   *
   * <p>From now on the records are taken from {@link #output()} by the processor: do not read it
   * yourself. Every other event (errors, rebalances, results, EOF) comes on the returned channel,
   * which holds {@link ConsumerSettings#outputBufferSize()} events; read it, as you would the
   * output: while it is full, records wait too (and fetching pauses). It is finished after EOF.
   *
   * @throws IllegalStateException without acknowledgements, or when called a second time
   */
  public Source<Event<T>> process(Ordering ordering, int concurrency, RecordHandler<K, V> handler) {
    requireAcknowledgements("process");
    Objects.requireNonNull(ordering, "ordering");
    Objects.requireNonNull(handler, "handler");
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
    }
    if (!processing.compareAndSet(false, true)) {
      throw new IllegalStateException("process was already called on this consumer");
    }
    return Processor.start(
        loop.output(),
        loop,
        ordering,
        concurrency,
        handler,
        settings.acknowledgements().retries(),
        (long) settings.acknowledgements().maxUnacknowledged() + settings.outputBufferSize(),
        settings.outputBufferSize(),
        "gregor-processor");
  }

  private void requireAcknowledgements(String what) {
    if (!loop.acknowledges()) {
      throw new IllegalStateException(
          what
              + " needs a consumer that commits after acknowledgement:"
              + " ConsumerSettings.withAcknowledgements(Acknowledgements.defaults())");
    }
  }

  /**
   * What the consumer has done so far: events made and taken, paused partitions, commit lag,
   * records waiting for acknowledgement, errors by kind. Any thread; never waits for the loop.
   */
  public Statistics statistics() {
    return loop.statistics();
  }

  /**
   * The data values, for a simple blocking reader: takes events from {@link #output()} as the
   * stream is consumed, hands on what {@link Event.Data} events carry, skips rebalances and control
   * results, and ends at {@link Event.Eof} (when the consumer has closed). An {@link Event.Error}
   * is thrown from the stream's terminal operation as a {@link GregorException} carrying its {@link
   * Failure}; the consumer goes on, and another {@code stream()} reads on from the next event.
   *
   * <p><b>Closing the stream closes the consumer</b> (so {@code try (var values =
   * consumer.stream())} is enough, and closing both is harmless). The stream is sequential, reads
   * lazily (what a short-circuiting operation such as {@code limit} does not take stays on the
   * output) and, like the output, is meant for one reader at a time.
   *
   * <pre>{@code
   * try (var values = consumer.stream()) {
   *   values.limit(3).forEach(record -> System.out.println(record.value()));
   * }
   * }</pre>
   *
   * @throws GregorException from the terminal operation, at an error event
   */
  public java.util.stream.Stream<T> stream() {
    return stream(
        failure -> {
          throw new GregorException(failure);
        });
  }

  /**
   * As {@link #stream()}, but error events go to {@code onError} and the stream goes on (it may log
   * them, count them, or throw to end the terminal operation).
   */
  public java.util.stream.Stream<T> stream(java.util.function.Consumer<? super Failure> onError) {
    Objects.requireNonNull(onError, "onError");
    var values = new DataSpliterator<>(loop.output(), onError);
    return java.util.stream.StreamSupport.stream(values, false).onClose(this::close);
  }

  /** Takes events until one carries data; ends at EOF or a finished output. */
  private static final class DataSpliterator<T>
      extends java.util.Spliterators.AbstractSpliterator<T> {
    private final Source<Event<T>> output;
    private final java.util.function.Consumer<? super Failure> onError;
    private boolean ended;

    DataSpliterator(Source<Event<T>> output, java.util.function.Consumer<? super Failure> onError) {
      super(Long.MAX_VALUE, java.util.Spliterator.ORDERED | java.util.Spliterator.NONNULL);
      this.output = output;
      this.onError = onError;
    }

    @Override
    public boolean tryAdvance(java.util.function.Consumer<? super T> action) {
      while (!ended) {
        Object next;
        try {
          next = output.receiveOrClosed();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new GregorException(
              new Failure(
                  ErrorKind.OPERATION_FAILED,
                  "interrupted while the stream waited for the next event",
                  e,
                  null));
        }
        switch (next) {
          case Event.Data<?>(var value) -> {
            @SuppressWarnings("unchecked")
            T data = (T) value;
            action.accept(data);
            return true;
          }
          case Event.Error<?>(var failure) -> onError.accept(failure);
          case Event.Eof<?> ignored -> ended = true;
          case com.softwaremill.jox.ChannelClosed ignored -> ended = true;
          default -> {}
        }
      }
      return false;
    }
  }

  /** Subscribes, replacing the current subscription. */
  public void subscribe(Topics topics) {
    call(new Operation.Subscribe(topics));
  }

  /** Drops the subscription. */
  public void unsubscribe() {
    call(new Operation.Unsubscribe());
  }

  /** The topics subscribed to. */
  public Set<String> subscriptions() {
    return call(new Operation.Subscriptions());
  }

  /** The partitions of {@code topic}, with leaders and replicas. */
  public List<PartitionDetails> partitionsFor(String topic) {
    return call(new Operation.PartitionsFor(topic));
  }

  /** Commits everything the reader has received; returns what was committed. */
  public Map<TopicPartition, OffsetAndMetadata> commit() {
    return call(new Operation.Commit());
  }

  /** Commits exactly these offsets (each the offset of the next record to read). */
  public Map<TopicPartition, OffsetAndMetadata> commit(
      Map<TopicPartition, OffsetAndMetadata> offsets) {
    return call(new Operation.Commit(offsets));
  }

  /** The group's committed offsets for these partitions (absent when none). */
  public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
    return call(new Operation.Committed(partitions));
  }

  /** The partitions assigned now. */
  public Set<TopicPartition> assignment() {
    return call(new Operation.Assignment());
  }

  /** Takes these partitions by hand. */
  public void assign(Set<TopicPartition> partitions) {
    call(new Operation.Assign(partitions));
  }

  /** Reads {@code partition} from {@code offset} next. */
  public void seek(TopicPartition partition, long offset) {
    call(new Operation.Seek(partition, offset));
  }

  /** Goes back to the beginning of these partitions (all assigned ones when empty). */
  public void seekToBeginning(Set<TopicPartition> partitions) {
    call(new Operation.SeekToBeginning(partitions));
  }

  /** Skips to the end of these partitions (all assigned ones when empty). */
  public void seekToEnd(Set<TopicPartition> partitions) {
    call(new Operation.SeekToEnd(partitions));
  }

  /** Goes to the first record at or after {@code timestamp}; returns the offsets sought. */
  public Map<TopicPartition, Long> seekToTimestamp(
      Set<TopicPartition> partitions, Instant timestamp) {
    return call(new Operation.SeekToTimestamp(partitions, timestamp));
  }

  /** The offset of the next record fetched from {@code partition}. */
  public long position(TopicPartition partition) {
    return call(new Operation.Position(partition));
  }

  /** Stops fetching from these partitions. */
  public void pause(Set<TopicPartition> partitions) {
    call(new Operation.Pause(partitions));
  }

  /** Fetches again from these partitions. */
  public void resume(Set<TopicPartition> partitions) {
    call(new Operation.Resume(partitions));
  }

  /** The partitions paused with {@link #pause}. */
  public Set<TopicPartition> paused() {
    return call(new Operation.Paused());
  }

  /** The end offsets of these partitions (all assigned ones when empty). */
  public Map<TopicPartition, Long> endOffsets(Set<TopicPartition> partitions) {
    return call(new Operation.EndOffsets(partitions));
  }

  /** Records beyond the consumer's position, per assigned partition. */
  public Map<TopicPartition, Long> lag() {
    return call(new Operation.Lag());
  }

  /** Every topic, with its partitions. */
  public Map<String, List<PartitionDetails>> listTopics() {
    return call(new Operation.ListTopics());
  }

  /**
   * The consumer's group metadata, for {@link Producer#sendOffsetsToTransaction}; read on the
   * consumer's thread, so it is the generation the consumer is in now.
   */
  public ConsumerGroupMetadata groupMetadata() {
    return call(new Operation.GroupMetadata());
  }

  /** The Kafka consumer's metrics. */
  public List<MetricValue> metrics() {
    return call(new Operation.Metrics());
  }

  /**
   * Runs the transducer's finisher, commits what was received (when committing automatically),
   * leaves the group and closes, all within the close timeout; returns once the Kafka consumer is
   * closed, even when nobody reads the output. Events not yet read, then the close result and EOF,
   * stay on the output for its reader; calling it again does nothing (it waits until the first
   * close has finished).
   *
   * <p>Error events nobody has read by then are not lost silently: they are logged at WARN, counted
   * by kind with a few examples (a reader still taking events gets a moment to take them first).
   *
   * @throws GregorException with {@link ConsumerSettings#withCloseFailsOnUnreadErrors}, when error
   *     events were left unread (the consumer is closed all the same)
   */
  @Override
  public void close() {
    loop.call(new Operation.Close());
    loop.unreadErrors().reportAtClose("consumer", settings.closeFailsOnUnreadErrors(), log);
  }
}
