package io.gregor;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.Select;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once consume-transform-produce: reads records from a {@link Consumer}, turns each into
 * messages with a function, and writes them with a transactional {@link Producer}, in one
 * transaction per batch that also commits the consumer's offsets. A reader of the output with
 * {@code isolation.level=read_committed} sees each input's messages exactly once, whatever crashes.
 *
 * <pre>{@code
 * ExactlyOnce.of(consumer, producer, record -> List.of(Message.of("out", record.key(), record.value())))
 *     .withBatchSize(500)
 *     .run(); // until the consumer closes
 * }</pre>
 *
 * <p>One batch: the first record begins a transaction (and notes the group's generation); each
 * record's messages are sent as it is taken; after {@code batchSize} records or {@code
 * batchInterval}, the offsets after the last record of each partition are sent to the transaction
 * with the consumer's group metadata, and the transaction is committed.
 *
 * <ul>
 *   <li><b>Failure</b> (a message not sent, a refused commit, the transform throwing): the
 *       transaction is aborted and each partition of the batch is sought back to the batch's first
 *       record, which is where the last committed batch ended; the batch is then read and done
 *       again. Records of the aborted batch that were already on their way are skipped. A transform
 *       that throws also ends {@link #run()} (after the abort), with its exception.
 *   <li><b>Rebalance</b>: when a partition of the open batch is revoked or lost, the batch is
 *       aborted (its messages must not be committed without its offsets, and its offsets are no
 *       longer this member's to commit). A batch whose group generation changed, or whose
 *       partitions are not all assigned any more, when it commits is aborted too. Records at
 *       offsets this helper has committed already (a partition fetched again after a rebalance) are
 *       skipped.
 *   <li><b>Fenced</b> (another producer with the same {@code transactional.id} took over): {@link
 *       #run()} throws the {@link ErrorKind#FENCED} failure; close both clients.
 * </ul>
 *
 * <p>The consumer must read records as they are (no transducer), with {@code
 * enable.auto.commit=false} (its offsets go through the transaction only), {@code
 * isolation.level=read_committed} and {@link EventType#CONTROL} in its output policy (rebalance
 * notices); the producer must have a {@code transactional.id}. {@link #of} checks these. While it
 * runs, the helper reads both clients' outputs; error events are handed to the error handler.
 */
public final class ExactlyOnce<K, V, KO, VO> {
  private static final Logger log = LoggerFactory.getLogger(ExactlyOnce.class);

  /** Default {@link #withBatchSize}. */
  public static final int DEFAULT_BATCH_SIZE = 500;

  /** Default {@link #withBatchInterval}. */
  public static final Duration DEFAULT_BATCH_INTERVAL = Duration.ofMillis(100);

  private static final Object TIME_UP = new Object();

  private final Consumer<K, V, Received<K, V>> consumer;
  private final Producer<Message<KO, VO>, KO, VO> producer;
  private final Function<? super Received<K, V>, ? extends List<Message<KO, VO>>> transform;
  private final int batchSize;
  private final Duration batchInterval;
  private final java.util.function.Consumer<Failure> errors;

  /** Per partition, the offset after the last record this helper committed. */
  private final Map<TopicPartition, Long> committed = new HashMap<>();

  /**
   * Per partition sought back after an abort: the last offset of the aborted batch. Records after
   * it were already on their way before the seek and are skipped, until the partition is read again
   * from its start.
   */
  private final Map<TopicPartition, Long> staleAfter = new HashMap<>();

  private Batch batch;
  private long committedBatches;

  private ExactlyOnce(
      Consumer<K, V, Received<K, V>> consumer,
      Producer<Message<KO, VO>, KO, VO> producer,
      Function<? super Received<K, V>, ? extends List<Message<KO, VO>>> transform,
      int batchSize,
      Duration batchInterval,
      java.util.function.Consumer<Failure> errors) {
    this.consumer = consumer;
    this.producer = producer;
    this.transform = transform;
    this.batchSize = batchSize;
    this.batchInterval = batchInterval;
    this.errors = errors;
  }

  /**
   * A helper that reads from {@code consumer} and writes what {@code transform} makes of each
   * record (any number of messages, none included) with {@code producer}.
   *
   * @throws IllegalArgumentException when a client is not set up for it (see the class comment)
   */
  public static <K, V, KO, VO> ExactlyOnce<K, V, KO, VO> of(
      Consumer<K, V, Received<K, V>> consumer,
      Producer<Message<KO, VO>, KO, VO> producer,
      Function<? super Received<K, V>, ? extends List<Message<KO, VO>>> transform) {
    Objects.requireNonNull(transform, "transform");
    ConsumerSettings<K, V, Received<K, V>> in = consumer.settings();
    ProducerSettings<Message<KO, VO>, KO, VO> out = producer.settings();
    require(in.transducer() == null, "the consumer must have no transducer");
    require(
        "false".equals(kafka(in.kafka(), ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG)),
        "the consumer must not commit itself: set enable.auto.commit=false");
    require(
        "read_committed".equals(kafka(in.kafka(), ConsumerConfig.ISOLATION_LEVEL_CONFIG)),
        "the consumer must read committed records only: set isolation.level=read_committed");
    require(
        in.outputPolicy().contains(EventType.CONTROL),
        "the consumer's output policy must include CONTROL (rebalance notices)");
    require(
        !kafka(out.kafka(), ProducerConfig.TRANSACTIONAL_ID_CONFIG).isBlank(),
        "the producer must be transactional: set transactional.id");
    require(
        out.transducer() == null, "the producer must have no transducer: transform does its work");
    return new ExactlyOnce<>(
        consumer,
        producer,
        transform,
        DEFAULT_BATCH_SIZE,
        DEFAULT_BATCH_INTERVAL,
        failure -> log.warn("{}: {}", failure.kind(), failure.message(), failure.cause()));
  }

  private static String kafka(Map<String, Object> kafka, String key) {
    return String.valueOf(kafka.getOrDefault(key, "")).trim();
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException("ExactlyOnce: " + message);
    }
  }

  /** This helper committing after at most {@code size} records (at least 1). */
  public ExactlyOnce<K, V, KO, VO> withBatchSize(int size) {
    require(size >= 1, "the batch size must be at least 1, was " + size);
    return new ExactlyOnce<>(consumer, producer, transform, size, batchInterval, errors);
  }

  /** This helper committing at most {@code interval} after a batch's first record. */
  public ExactlyOnce<K, V, KO, VO> withBatchInterval(Duration interval) {
    require(
        interval != null && interval.isPositive(),
        "the batch interval must be positive, was " + interval);
    return new ExactlyOnce<>(consumer, producer, transform, batchSize, interval, errors);
  }

  /**
   * This helper handing every error event of either client, and each aborted batch's reason, to
   * {@code handler} (by default they are logged at WARN).
   */
  public ExactlyOnce<K, V, KO, VO> withErrorHandler(java.util.function.Consumer<Failure> handler) {
    Objects.requireNonNull(handler, "handler");
    return new ExactlyOnce<>(consumer, producer, transform, batchSize, batchInterval, handler);
  }

  /** How many batches {@link #run()} has committed so far. */
  public synchronized long committedBatches() {
    return committedBatches;
  }

  /**
   * Reads, transforms and writes until the consumer's output ends (it was closed); a batch still
   * open then is aborted. Returns normally then.
   *
   * @throws GregorException when the producer was fenced, or a transaction could not be aborted
   * @throws InterruptedException when the thread is interrupted (the open batch is aborted)
   * @throws RuntimeException what the transform threw (the batch was aborted and sought back)
   */
  public void run() throws InterruptedException {
    Thread producerErrors =
        Thread.ofVirtual().name("exactly-once-producer-errors").start(this::forwardProducerErrors);
    try {
      while (true) {
        Object next =
            batch == null
                ? consumer.output().receiveOrClosed()
                // One timer per batch: a timed select per record would start a thread each time.
                : Select.selectOrClosed(
                    consumer.output().receiveClause(), batch.timeUp.receiveClause());
        switch (next) {
          case Event.Data<?>(Received<?, ?> record) -> take(cast(record));
          case Event.Rebalance<?>(var kind, var partitions) when kind != RebalanceKind.ASSIGNED ->
              gone(partitions);
          case Event.Error<?>(Failure failure) -> consumerError(failure);
          case Event.Eof<?>(), ChannelClosed _ -> {
            abort("the consumer closed");
            return;
          }
          case Object o when o == TIME_UP -> commit();
          default -> {}
        }
      }
    } catch (InterruptedException e) {
      abort("interrupted");
      throw e;
    } finally {
      producerErrors.interrupt();
    }
  }

  @SuppressWarnings("unchecked")
  private Received<K, V> cast(Received<?, ?> record) {
    return (Received<K, V>) record;
  }

  private void take(Received<K, V> record) throws InterruptedException {
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    if (skip(partition, record.offset())) {
      return;
    }
    begin();
    batch.add(partition, record.offset());
    List<Message<KO, VO>> messages;
    try {
      messages = List.copyOf(transform.apply(record));
    } catch (RuntimeException e) {
      abort("the transform threw on " + partition + "@" + record.offset() + ": " + e);
      throw e;
    }
    for (Message<KO, VO> message : messages) {
      producer.input().send(message);
    }
    if (batch.records >= batchSize) {
      commit();
    }
  }

  /**
   * Whether a record is one to skip: at an offset this helper has committed already, or on its way
   * from before a seek back.
   */
  private boolean skip(TopicPartition partition, long offset) {
    Long next = committed.get(partition);
    if (next != null && offset < next) {
      return true;
    }
    Long last = staleAfter.get(partition);
    if (last != null) {
      if (offset > last) {
        return true;
      }
      staleAfter.remove(partition); // read again from the start of the aborted batch
    }
    return false;
  }

  /** A record the consumer could not deserialize: it has no messages, and is committed past. */
  private void consumerError(Failure failure) {
    errors.accept(failure);
    if (failure.kind() == ErrorKind.DESERIALIZATION
        && failure.subject() instanceof Failure.Coordinates(var topic, var partition, var offset)
        && !skip(new TopicPartition(topic, partition), offset)) {
      begin();
      batch.add(new TopicPartition(topic, partition), offset);
    }
  }

  private void begin() {
    if (batch == null) {
      ConsumerGroupMetadata metadata = consumer.groupMetadata();
      producer.beginTransaction();
      batch = new Batch(metadata.generationId(), System.nanoTime() + batchInterval.toNanos());
      batch.startTimer();
    }
  }

  private void gone(Set<TopicPartition> partitions) {
    staleAfter.keySet().removeAll(partitions);
    if (batch != null && partitions.stream().anyMatch(batch.first::containsKey)) {
      batch.first.keySet().removeAll(partitions); // not this member's to seek any more
      abort("partitions of the batch were revoked or lost: " + partitions);
    }
  }

  private void commit() {
    if (batch == null) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    batch.last.forEach((p, last) -> offsets.put(p, new OffsetAndMetadata(last + 1)));
    try {
      ConsumerGroupMetadata metadata = consumer.groupMetadata();
      if (metadata.generationId() != batch.generation) {
        abort("the group rebalanced during the batch");
        return;
      }
      if (!consumer.assignment().containsAll(offsets.keySet())) {
        abort("partitions of the batch are no longer assigned");
        return;
      }
      producer.sendOffsetsToTransaction(offsets, metadata);
      producer.commitTransaction();
    } catch (GregorException e) {
      if (e.failure().kind() == ErrorKind.FENCED) {
        throw e;
      }
      errors.accept(e.failure());
      abort("the commit failed: " + e.getMessage());
      return;
    }
    offsets.forEach((p, offset) -> committed.put(p, offset.offset()));
    batch.ended();
    batch = null;
    synchronized (this) {
      committedBatches++;
    }
  }

  /**
   * Aborts the open batch (if any) and seeks each of its partitions back to its first record, so
   * that it is read and done again.
   */
  private void abort(String why) {
    if (batch == null) {
      return;
    }
    Batch aborted = batch;
    aborted.ended();
    batch = null;
    log.debug("aborting a batch: {}", why);
    errors.accept(
        new Failure(
            ErrorKind.TRANSACTION_FAILED,
            "batch aborted (" + why + "); its partitions are read again from " + aborted.first,
            null,
            null));
    producer.abortTransaction(); // throws when fenced: nothing more to do here
    aborted.first.forEach(
        (partition, first) -> {
          try {
            consumer.seek(partition, first);
            staleAfter.put(partition, aborted.last.get(partition));
          } catch (GregorException e) {
            errors.accept(e.failure()); // revoked meanwhile: its next owner reads it
          }
        });
  }

  /** Hands the producer's error events to the handler, so that its output never fills up. */
  private void forwardProducerErrors() {
    try {
      while (producer.output().receiveOrClosed() instanceof Event<?> event) {
        if (event instanceof Event.Error<?>(Failure failure)) {
          errors.accept(failure);
        }
      }
    } catch (InterruptedException e) {
      // run() ended
    }
  }

  /** The records of the open transaction: per partition the first and last offset taken. */
  private static final class Batch {
    final int generation;
    final long deadline;
    final Map<TopicPartition, Long> first = new HashMap<>();
    final Map<TopicPartition, Long> last = new HashMap<>();
    int records;

    Batch(int generation, long deadline) {
      this.generation = generation;
      this.deadline = deadline;
    }

    void add(TopicPartition partition, long offset) {
      first.putIfAbsent(partition, offset);
      last.put(partition, offset);
      records++;
    }

    /** Gets {@link #TIME_UP} at the deadline. */
    final Channel<Object> timeUp = Channel.newBufferedChannel(1);

    private Thread timer;

    /** Starts the timer that says when the batch's time is up. */
    void startTimer() {
      timer =
          Thread.ofVirtual()
              .name("exactly-once-batch-timer")
              .start(
                  () -> {
                    try {
                      long left = deadline - System.nanoTime();
                      if (left > 0) {
                        Thread.sleep(Duration.ofNanos(left));
                      }
                      timeUp.sendOrClosed(TIME_UP);
                    } catch (InterruptedException e) {
                      // the batch ended first
                    }
                  });
    }

    /** The batch was committed or aborted: its timer is not needed any more. */
    void ended() {
      if (timer != null) {
        timer.interrupt();
      }
    }
  }
}
