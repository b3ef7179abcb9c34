package io.gregor.internal;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.Source;
import io.gregor.ConsumerOperation;
import io.gregor.ConsumerSettings;
import io.gregor.ErrorKind;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.Failure;
import io.gregor.GregorException;
import io.gregor.Operation;
import io.gregor.RebalanceKind;
import io.gregor.Received;
import io.gregor.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Gatherer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's engine: one thread owns the {@link KafkaConsumer} and does everything with it;
 * only {@code wakeup()} crosses threads (to cut a long poll short when an operation arrives or the
 * output has room again).
 *
 * <p>One iteration of the loop:
 *
 * <ol>
 *   <li>run the operations that arrived (a forwarding thread moves them from the control channel to
 *       a queue and wakes the consumer up), and hand their results to the deliverer at once;
 *   <li>pause every assigned partition when the events waiting for the output exceed the larger of
 *       the output buffer's size and {@code max.poll.records}, resume when they have drained to
 *       half of it (backpressure: the loop keeps polling, so the consumer stays in its group);
 *   <li>poll; deserialize each record (a failure is an error event with the record's coordinates,
 *       and the loop moves past it), run the transducer, and hand the events, as one batch, to the
 *       {@link Deliverer}, which puts on the output channel, on this thread and without blocking,
 *       what the channel has room for (the rest waits, and a reader making room wakes the loop);
 *   <li>commit what the reader has received, when automatic commits are on and the interval has
 *       passed.
 * </ol>
 *
 * <p>Commits never pass a record the reader has not taken from the output channel: each event gets
 * a sequence number, the loop remembers for each record that made events the sequence number of its
 * last one (a marker), and the output counts what readers take ({@link ReceiptCountingSource}).
 * Each iteration moves the markers the reader has passed into the offsets a commit may take, so
 * markers exist only for events still on their way.
 *
 * <p>Kafka calls other than poll may be cut short by a wakeup meant for poll; they are run again.
 */
public final class PollLoop<K, V, T> {
  private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
  private static final AtomicInteger IDS = new AtomicInteger();
  private static final Duration IDLE_POLL = Duration.ofSeconds(1);
  private static final Duration BACKOFF = Duration.ofMillis(500);

  private final ConsumerSettings<K, V, T> settings;
  private final Channel<Object> control = Channel.newBufferedChannel(64);
  private final Channel<Event<T>> outputChannel;
  private final ReceiptCountingSource<Event<T>> output;
  private final LinkedBlockingQueue<Object> operations = new LinkedBlockingQueue<>();
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Deliverer<T> deliverer;
  private final Transducer<Received<K, V>, T> transducer;
  private final Set<EventType> policy;
  private final boolean autoCommit;
  private final long autoCommitIntervalMs;
  private final long pauseAbove;
  private final boolean hasGroup;
  private final Thread thread;
  private final Thread forwarder;
  private final RebalanceListener rebalanceListener = new RebalanceListener();

  /** Events made in this iteration, handed to the deliverer as one batch. */
  private final List<Event<T>> batch = new ArrayList<>();

  /** Sequence number of the last event handed to the deliverer (first is 1). */
  private long sequence;

  /** Offsets the reader completes by receiving the event with the given sequence number. */
  private final Markers markers = new Markers();

  /** Next offset per partition, for records the reader has received (what a commit may commit). */
  private final Map<TopicPartition, Long> receivedOffsets = new HashMap<>();

  /** What was last committed, so automatic commits skip partitions with nothing new. */
  private final Map<TopicPartition, Long> committedOffsets = new HashMap<>();

  private final Set<TopicPartition> userPaused = new HashSet<>();
  private final Set<TopicPartition> backpressurePaused = new HashSet<>();
  private boolean transducerStopped;

  /** The current subscription, or {@code null} when there is none. */
  private Topics subscription;

  private long lastAutoCommit = System.currentTimeMillis();

  /** How many events the reader had taken at the last automatic commit. */
  private long receivedAtLastAutoCommit;

  private boolean closed;

  /** Starts a consumer; the settings must have been validated. */
  public PollLoop(ConsumerSettings<K, V, T> settings) {
    this.settings = settings;
    int id = IDS.incrementAndGet();
    Map<String, Object> kafka = new HashMap<>(settings.kafka());
    this.autoCommit =
        Boolean.parseBoolean(
            String.valueOf(kafka.getOrDefault(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "true"))
                .trim());
    this.autoCommitIntervalMs =
        Long.parseLong(
            String.valueOf(
                    kafka.getOrDefault(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, "5000"))
                .trim());
    this.hasGroup = kafka.get(ConsumerConfig.GROUP_ID_CONFIG) != null;
    // Gregor commits itself, and only what the reader has received.
    kafka.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    kafka.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    kafka.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    this.consumer = new KafkaConsumer<>(kafka);
    this.policy = settings.outputPolicy();
    this.outputChannel = Channel.newBufferedChannel(settings.outputBufferSize());
    // When readers make room, wake the loop from poll (or from waiting for operations).
    this.output =
        new ReceiptCountingSource<>(
            outputChannel,
            () -> {
              operations.add(ROOM);
              consumer.wakeup();
            });
    int maxPollRecords =
        Integer.parseInt(
            String.valueOf(kafka.getOrDefault(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500"))
                .trim());
    this.pauseAbove = Math.max(settings.outputBufferSize(), maxPollRecords);
    this.deliverer = new Deliverer<>(outputChannel, output, settings.outputBufferSize());
    Gatherer<? super Received<K, V>, ?, T> gatherer = settings.transducer();
    this.transducer = gatherer == null ? null : Transducer.of(gatherer, new DataDownstream());
    this.thread = Thread.ofVirtual().name("gregor-consumer-" + id).start(this::run);
    this.forwarder =
        Thread.ofVirtual().name("gregor-consumer-" + id + "-control").start(this::forward);
  }

  public Source<Event<T>> output() {
    return output;
  }

  @SuppressWarnings("unchecked")
  public <O> Channel<O> control() {
    return (Channel<O>) control;
  }

  /** Runs an operation through the loop and returns its result. */
  public <R> R call(ConsumerOperation<R> operation) {
    Request<R> request = Request.of(operation);
    try {
      if (control.sendOrClosed(request) instanceof ChannelClosed) {
        if (operation instanceof Operation.Close) {
          awaitTermination();
          return null;
        }
        throw new GregorException(
            new Failure(ErrorKind.INVALID_OPERATION, "the consumer is closed", null, operation));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GregorException(
          new Failure(
              ErrorKind.OPERATION_FAILED, "interrupted sending " + operation, e, operation));
    }
    return request.await();
  }

  /** Waits until the loop has finished (after close). */
  public void awaitTermination() {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- control forwarding

  /** Moves operations from the control channel to the loop's queue and wakes the loop up. */
  private void forward() {
    try {
      while (true) {
        Object next = control.receiveOrClosed();
        if (next instanceof ChannelClosed) {
          return;
        }
        operations.add(next);
        consumer.wakeup();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- the loop

  private void run() {
    try {
      if (settings.topics() != null) {
        subscribe(settings.topics());
      }
      while (!closed) {
        runOnce();
      }
    } catch (RuntimeException | Error e) {
      log.error("consumer loop failed; closing", e);
      emit(
          new Event.Error<>(
              new Failure(ErrorKind.FATAL, "the consumer loop failed: " + e, e, null)));
      closeNow(null);
    }
  }

  /** Put in the operations queue when readers have made room in the output channel. */
  private static final Object ROOM = new Object();

  private void runOnce() {
    runOperations();
    if (closed) {
      return;
    }
    // Results go out now, not after the next poll (which may block for a while).
    flushBatch();
    applyBackpressure();
    ConsumerRecords<byte[], byte[]> records = poll();
    if (closed) {
      return; // an operation run while waiting (no subscription, or after a failed poll) closed
    }
    if (records != null && !records.isEmpty()) {
      handle(records);
    }
    flushBatch();
    deliverer.notifyWhenLow(); // events waiting for room go as soon as there is some
    collectReceived(); // keeps the markers to the events not yet received
    autoCommitIfDue();
  }

  private ConsumerRecords<byte[], byte[]> poll() {
    try {
      if (subscription == null && consumer.assignment().isEmpty()) {
        waitForOperations(IDLE_POLL);
        return null;
      }
      return consumer.poll(pollTimeout());
    } catch (WakeupException e) {
      return null;
    } catch (InterruptException e) {
      Thread.interrupted();
      return null;
    } catch (AuthorizationException e) {
      pollFailed(ErrorKind.AUTHORIZATION, e);
    } catch (AuthenticationException e) {
      pollFailed(ErrorKind.AUTHENTICATION, e);
    } catch (KafkaException | IllegalStateException e) {
      pollFailed(ErrorKind.POLL_FAILED, e);
    }
    return null;
  }

  private Duration pollTimeout() {
    if (!autoCommit || !hasGroup || output.received() == receivedAtLastAutoCommit) {
      return IDLE_POLL; // no commits, or nothing received to commit: no reason to wake early
    }
    long untilCommit = lastAutoCommit + autoCommitIntervalMs - System.currentTimeMillis();
    return Duration.ofMillis(Math.clamp(untilCommit, 0, IDLE_POLL.toMillis()));
  }

  private void pollFailed(ErrorKind kind, RuntimeException e) {
    emit(new Event.Error<>(new Failure(kind, "poll failed: " + e.getMessage(), e, null)));
    flushBatch();
    // Do not spin on a persistent failure; operations still get through at once.
    waitForOperations(BACKOFF);
  }

  /** Waits until an operation arrives (and runs it) or the timeout passes, without polling. */
  private void waitForOperations(Duration timeout) {
    try {
      Object next = operations.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (next != null) {
        runOperation(next);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- records

  private void handle(ConsumerRecords<byte[], byte[]> records) {
    for (TopicPartition partition : records.partitions()) {
      if (transducerStopped) {
        break; // nothing more is delivered (or committed)
      }
      for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
        long before = sequence + batch.size();
        Received<K, V> received = convert(record);
        if (received != null) {
          integrate(received);
        }
        long last = sequence + batch.size();
        if (last > before) {
          // Once the reader has taken this record's last event, the record (and any before it
          // that made no event of their own) counts as received.
          markers.add(last, partition, record.offset() + 1);
        }
        if (transducerStopped) {
          break;
        }
      }
    }
  }

  private Received<K, V> convert(ConsumerRecord<byte[], byte[]> record) {
    K key;
    V value;
    try {
      key =
          record.key() == null
              ? null
              : settings
                  .keyDeserializer()
                  .deserialize(record.topic(), record.headers(), record.key());
      value =
          record.value() == null
              ? null
              : settings
                  .valueDeserializer()
                  .deserialize(record.topic(), record.headers(), record.value());
    } catch (RuntimeException e) {
      emit(
          new Event.Error<>(
              new Failure(
                  ErrorKind.DESERIALIZATION,
                  "could not deserialize the record at "
                      + record.topic()
                      + "-"
                      + record.partition()
                      + "@"
                      + record.offset()
                      + ": "
                      + e,
                  e,
                  new Failure.Coordinates(record.topic(), record.partition(), record.offset()))));
      return null;
    }
    return new Received<>(
        record.topic(),
        record.partition(),
        record.offset(),
        Instant.ofEpochMilli(record.timestamp()),
        record.timestampType(),
        key,
        value,
        KafkaData.fromKafka(record.headers()),
        record.serializedKeySize(),
        record.serializedValueSize(),
        record.leaderEpoch().orElse(null));
  }

  @SuppressWarnings("unchecked")
  private void integrate(Received<K, V> received) {
    if (transducer == null) {
      batch.add(new Event.Data<>((T) received));
      return;
    }
    try {
      if (!transducer.integrate(received)) {
        stopTransducer();
      }
    } catch (RuntimeException e) {
      emit(
          new Event.Error<>(
              new Failure(
                  ErrorKind.TRANSDUCER,
                  "the transducer threw on the record at " + received.coordinates() + ": " + e,
                  e,
                  received.coordinates())));
    }
  }

  private void stopTransducer() {
    transducerStopped = true;
    emit(
        new Event.Error<>(
            new Failure(
                ErrorKind.TRANSDUCER_STOPPED,
                "the transducer stopped early; no more records are delivered, and those not"
                    + " delivered are not committed",
                null,
                null)));
    finishTransducer();
    Set<TopicPartition> assigned = consumer.assignment();
    consumer.pause(assigned);
  }

  private void finishTransducer() {
    if (transducer == null) {
      return;
    }
    try {
      transducer.finish();
    } catch (RuntimeException e) {
      emit(
          new Event.Error<>(
              new Failure(ErrorKind.TRANSDUCER, "the transducer's finisher threw: " + e, e, null)));
    }
  }

  private final class DataDownstream implements Gatherer.Downstream<T> {
    @Override
    public boolean push(T element) {
      batch.add(new Event.Data<>(element));
      return true;
    }
  }

  /** Queues an event for the output if the policy wants it. */
  private void emit(Event<T> event) {
    if (policy.contains(event.type())) {
      batch.add(event);
    }
  }

  private void flushBatch() {
    if (!batch.isEmpty()) {
      sequence += batch.size();
      deliverer.deliver(batch); // keeps no reference to the list
      batch.clear();
    }
  }

  // ---------------------------------------------------------------- backpressure

  private void applyBackpressure() {
    long queued = deliverer.queued();
    if (queued > pauseAbove || deliverer.abandoned()) {
      // Every assigned partition not paused yet, including any assigned since the last pause.
      Set<TopicPartition> toPause = new HashSet<>(consumer.assignment());
      toPause.removeAll(userPaused);
      toPause.removeAll(backpressurePaused);
      if (!toPause.isEmpty()) {
        consumer.pause(toPause);
        backpressurePaused.addAll(toPause);
        log.debug("output backed up ({} events waiting): paused {}", queued, toPause);
        deliverer.notifyWhenLow();
      }
    } else if (!backpressurePaused.isEmpty() && queued <= pauseAbove / 2) {
      Set<TopicPartition> toResume = new HashSet<>(backpressurePaused);
      toResume.retainAll(consumer.assignment());
      toResume.removeAll(userPaused);
      if (!transducerStopped) {
        consumer.resume(toResume);
      }
      backpressurePaused.clear();
      log.debug("output has room: resumed {}", toResume);
    }
  }

  // ---------------------------------------------------------------- commits

  /** Moves offsets of events the reader has received into {@link #receivedOffsets}. */
  private void collectReceived() {
    markers.collect(output.received(), receivedOffsets);
  }

  /** Offsets received and not yet committed, for assigned partitions. */
  private Map<TopicPartition, OffsetAndMetadata> uncommitted() {
    collectReceived();
    Set<TopicPartition> assigned = consumer.assignment();
    Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
    receivedOffsets.forEach(
        (partition, offset) -> {
          if (assigned.contains(partition) && !offset.equals(committedOffsets.get(partition))) {
            offsets.put(partition, new OffsetAndMetadata(offset));
          }
        });
    return offsets;
  }

  private void autoCommitIfDue() {
    if (!autoCommit || !hasGroup) {
      return;
    }
    long now = System.currentTimeMillis();
    if (now - lastAutoCommit < autoCommitIntervalMs) {
      return;
    }
    lastAutoCommit = now;
    receivedAtLastAutoCommit = output.received();
    Map<TopicPartition, OffsetAndMetadata> offsets = uncommitted();
    if (offsets.isEmpty()) {
      return;
    }
    try {
      consumer.commitAsync(
          offsets,
          (committed, exception) -> {
            if (exception == null) {
              committed.forEach(
                  (partition, offset) -> committedOffsets.put(partition, offset.offset()));
            } else {
              autoCommitFailed(exception);
            }
          });
    } catch (RuntimeException e) {
      autoCommitFailed(e); // e.g. a fenced static member: an event, not the end of the loop
    }
  }

  private void autoCommitFailed(Exception e) {
    emit(
        new Event.Error<>(
            new Failure(
                ErrorKind.COMMIT_FAILED, "automatic commit failed: " + e.getMessage(), e, null)));
  }

  /** Commits synchronously what the reader received (for close and revocation). */
  private void commitReceived(Collection<TopicPartition> partitions, Duration timeout) {
    if (!autoCommit || !hasGroup) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = uncommitted();
    offsets.keySet().retainAll(partitions);
    if (offsets.isEmpty()) {
      return;
    }
    try {
      despiteWakeups(
          () -> {
            consumer.commitSync(offsets, timeout);
            return null;
          });
      offsets.forEach((partition, offset) -> committedOffsets.put(partition, offset.offset()));
    } catch (RuntimeException e) {
      emit(
          new Event.Error<>(
              new Failure(
                  ErrorKind.COMMIT_FAILED,
                  "commit of received offsets failed: " + e.getMessage(),
                  e,
                  null)));
    }
  }

  private void forget(Collection<TopicPartition> partitions) {
    // Events of these partitions still on their way are delivered but no longer committed here.
    markers.removeAll(partitions);
    receivedOffsets.keySet().removeAll(partitions);
    committedOffsets.keySet().removeAll(partitions);
    backpressurePaused.removeAll(partitions);
    userPaused.removeAll(partitions);
  }

  private final class RebalanceListener implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      commitReceived(partitions, settings.closeTimeout());
      forget(partitions);
      emit(new Event.Rebalance<>(RebalanceKind.REVOKED, Set.copyOf(partitions)));
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      if (!backpressurePaused.isEmpty() || transducerStopped) {
        consumer.pause(partitions);
        if (!transducerStopped) {
          backpressurePaused.addAll(partitions);
        }
      }
      emit(new Event.Rebalance<>(RebalanceKind.ASSIGNED, Set.copyOf(partitions)));
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      forget(partitions);
      emit(new Event.Rebalance<>(RebalanceKind.LOST, Set.copyOf(partitions)));
    }
  }

  // ---------------------------------------------------------------- operations

  private void runOperations() {
    Object next;
    while (!closed && (next = operations.poll()) != null) {
      runOperation(next);
    }
  }

  private void runOperation(Object next) {
    switch (next) {
      case Object room when room == ROOM -> {
        // readers made room in the output: the loop's next step sends what waits
      }
      case Request<?> request -> execute(request.operation(), request);
      case ConsumerOperation<?> operation -> execute(operation, null);
      default ->
          reply(
              null,
              new Failure(
                  ErrorKind.INVALID_OPERATION, "not a consumer operation: " + next, null, next));
    }
  }

  private void execute(Operation<?> operation, Request<?> request) {
    if (operation instanceof Operation.Close) {
      close(request);
      return;
    }
    Object result;
    try {
      result = despiteWakeups(() -> perform(operation));
    } catch (OperationFailure e) {
      reply(request, e.failure);
      return;
    } catch (RuntimeException e) {
      reply(
          request, new Failure(kindOf(e), operation + " failed: " + e.getMessage(), e, operation));
      return;
    }
    if (request != null) {
      request.complete(result);
    } else {
      emit(new Event.Result<>(operation, result));
    }
  }

  /**
   * Runs a call of the Kafka consumer again when a wakeup meant for poll (an operation arrived, or
   * the output has room) cut it short. Each wakeup stands for one such event, so this ends.
   */
  private static <R> R despiteWakeups(Supplier<R> call) {
    while (true) {
      try {
        return call.get();
      } catch (WakeupException e) {
        log.trace("a wakeup interrupted a call other than poll; running it again");
      }
    }
  }

  private static ErrorKind kindOf(RuntimeException e) {
    return switch (e) {
      case AuthorizationException _ -> ErrorKind.AUTHORIZATION;
      case AuthenticationException _ -> ErrorKind.AUTHENTICATION;
      case IllegalStateException s when needsAssignment(s.getMessage()) ->
          ErrorKind.NO_SUBSCRIPTION;
      case IllegalStateException _ -> ErrorKind.INVALID_OPERATION;
      case IllegalArgumentException _ -> ErrorKind.INVALID_OPERATION;
      default -> ErrorKind.OPERATION_FAILED;
    };
  }

  /** Whether Kafka refused an operation on a partition this consumer has not been assigned. */
  private static boolean needsAssignment(String message) {
    return message != null
        && (message.contains("No current assignment")
            || message.contains("assigned to this consumer")
            || message.contains("not subscribed"));
  }

  private static final class OperationFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Failure failure;

    OperationFailure(ErrorKind kind, String message, Operation<?> operation) {
      super(message, null, false, false);
      this.failure = new Failure(kind, message, null, operation);
    }
  }

  private Object perform(Operation<?> operation) {
    return switch (operation) {
      case Operation.Subscribe(Topics topics) -> {
        if (topics == null) {
          throw new OperationFailure(
              ErrorKind.INVALID_OPERATION, "subscribe needs topics", operation);
        }
        if (!hasGroup) {
          throw new OperationFailure(
              ErrorKind.INVALID_OPERATION,
              "subscribe needs a group id ('group.id'); without one, use Assign",
              operation);
        }
        subscribe(topics);
        yield null;
      }
      case Operation.Unsubscribe() -> {
        commitReceived(consumer.assignment(), settings.closeTimeout());
        consumer.unsubscribe();
        subscription = null;
        forget(new HashSet<>(receivedOffsets.keySet()));
        backpressurePaused.clear();
        userPaused.clear();
        yield null;
      }
      case Operation.Subscriptions() -> Set.copyOf(consumer.subscription());
      case Operation.PartitionsFor(String topic) -> {
        if (topic == null || topic.isBlank()) {
          throw new OperationFailure(
              ErrorKind.INVALID_OPERATION, "partitions-for needs a topic", operation);
        }
        yield KafkaData.partitions(consumer.partitionsFor(topic));
      }
      case Operation.Metrics() -> KafkaData.metrics(consumer.metrics());
      case Operation.Commit(Map<TopicPartition, OffsetAndMetadata> offsets) ->
          commit(offsets, operation);
      case Operation.Committed(Set<TopicPartition> partitions) -> {
        requireNonEmpty(partitions, operation);
        Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
        consumer
            .committed(partitions)
            .forEach(
                (partition, offset) -> {
                  if (offset != null) {
                    committed.put(partition, offset);
                  }
                });
        yield Map.copyOf(committed);
      }
      case Operation.Assignment() -> Set.copyOf(consumer.assignment());
      case Operation.Assign(Set<TopicPartition> partitions) -> {
        Set<TopicPartition> dropped = new HashSet<>(consumer.assignment());
        dropped.removeAll(partitions);
        commitReceived(dropped, settings.closeTimeout());
        consumer.assign(partitions); // throws while subscribed: then nothing is forgotten
        forget(dropped);
        yield null;
      }
      case Operation.Seek(TopicPartition partition, long offset) -> {
        if (offset < 0) {
          throw new OperationFailure(
              ErrorKind.INVALID_OPERATION,
              "seek needs an offset of 0 or more, was " + offset,
              operation);
        }
        consumer.seek(partition, offset);
        yield null;
      }
      case Operation.SeekToBeginning(Set<TopicPartition> partitions) -> {
        consumer.seekToBeginning(orAssigned(partitions, operation));
        yield null;
      }
      case Operation.SeekToEnd(Set<TopicPartition> partitions) -> {
        consumer.seekToEnd(orAssigned(partitions, operation));
        yield null;
      }
      case Operation.SeekToTimestamp(Set<TopicPartition> partitions, Instant timestamp) ->
          seekToTimestamp(orAssigned(partitions, operation), timestamp);
      case Operation.Position(TopicPartition partition) -> consumer.position(partition);
      case Operation.Pause(Set<TopicPartition> partitions) -> {
        consumer.pause(partitions);
        userPaused.addAll(partitions);
        yield null;
      }
      case Operation.Resume(Set<TopicPartition> partitions) -> {
        userPaused.removeAll(partitions);
        Set<TopicPartition> toResume = new HashSet<>(partitions);
        toResume.removeAll(backpressurePaused);
        if (!transducerStopped) {
          consumer.resume(toResume);
        }
        yield null;
      }
      case Operation.Paused() -> {
        Set<TopicPartition> paused = new HashSet<>(userPaused);
        paused.retainAll(consumer.assignment());
        yield Set.copyOf(paused);
      }
      case Operation.EndOffsets(Set<TopicPartition> partitions) ->
          Map.copyOf(consumer.endOffsets(orAssigned(partitions, operation)));
      case Operation.Lag() -> {
        Set<TopicPartition> assigned = consumer.assignment();
        if (assigned.isEmpty()) {
          throw new OperationFailure(
              ErrorKind.NO_SUBSCRIPTION,
              "lag needs assigned partitions; there are none",
              operation);
        }
        Map<TopicPartition, Long> ends = consumer.endOffsets(assigned);
        Map<TopicPartition, Long> lag = new HashMap<>();
        for (TopicPartition partition : assigned) {
          lag.put(
              partition,
              Math.max(0, ends.getOrDefault(partition, 0L) - consumer.position(partition)));
        }
        yield Map.copyOf(lag);
      }
      case Operation.ListTopics() -> {
        Map<String, List<io.gregor.PartitionDetails>> topics = new HashMap<>();
        consumer
            .listTopics()
            .forEach((topic, infos) -> topics.put(topic, KafkaData.partitions(infos)));
        yield Map.copyOf(topics);
      }
      default ->
          throw new OperationFailure(
              ErrorKind.INVALID_OPERATION, "a consumer does not take " + operation, operation);
    };
  }

  private void subscribe(Topics topics) {
    switch (topics) {
      case Topics.Names(List<String> names) -> consumer.subscribe(names, rebalanceListener);
      case Topics.Matching(var pattern) -> consumer.subscribe(pattern, rebalanceListener);
    }
    subscription = topics; // only once Kafka has taken it
  }

  private static void requireNonEmpty(Set<TopicPartition> partitions, Operation<?> operation) {
    if (partitions.isEmpty()) {
      throw new OperationFailure(
          ErrorKind.INVALID_OPERATION, operation + " needs at least one partition", operation);
    }
  }

  private Set<TopicPartition> orAssigned(Set<TopicPartition> partitions, Operation<?> operation) {
    if (!partitions.isEmpty()) {
      return partitions;
    }
    Set<TopicPartition> assigned = consumer.assignment();
    if (assigned.isEmpty()) {
      throw new OperationFailure(
          ErrorKind.NO_SUBSCRIPTION,
          operation + " with no partitions named needs assigned partitions; there are none",
          operation);
    }
    return assigned;
  }

  private Map<TopicPartition, OffsetAndMetadata> commit(
      Map<TopicPartition, OffsetAndMetadata> offsets, Operation<?> operation) {
    if (!hasGroup) {
      throw new OperationFailure(
          ErrorKind.INVALID_OPERATION, "commit needs a group id ('group.id')", operation);
    }
    if (offsets.isEmpty()) {
      if (subscription == null && consumer.assignment().isEmpty()) {
        throw new OperationFailure(
            ErrorKind.NO_SUBSCRIPTION,
            "commit needs a subscription or assigned partitions; there are none",
            operation);
      }
      Map<TopicPartition, OffsetAndMetadata> received = uncommitted();
      if (!received.isEmpty()) {
        consumer.commitSync(received);
        received.forEach((partition, offset) -> committedOffsets.put(partition, offset.offset()));
      }
      return Map.copyOf(received);
    }
    consumer.commitSync(offsets);
    offsets.forEach((partition, offset) -> committedOffsets.put(partition, offset.offset()));
    return offsets;
  }

  private Map<TopicPartition, Long> seekToTimestamp(
      Set<TopicPartition> partitions, Instant timestamp) {
    Map<TopicPartition, Long> query = new HashMap<>();
    partitions.forEach(partition -> query.put(partition, timestamp.toEpochMilli()));
    Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
    Set<TopicPartition> toEnd = new HashSet<>();
    Map<TopicPartition, Long> sought = new HashMap<>();
    for (TopicPartition partition : partitions) {
      OffsetAndTimestamp offset = found.get(partition);
      if (offset == null) {
        toEnd.add(partition);
      } else {
        consumer.seek(partition, offset.offset());
        sought.put(partition, offset.offset());
      }
    }
    if (!toEnd.isEmpty()) {
      Map<TopicPartition, Long> ends = consumer.endOffsets(toEnd);
      for (TopicPartition partition : toEnd) {
        long end = ends.get(partition);
        consumer.seek(partition, end);
        sought.put(partition, end);
      }
    }
    return Map.copyOf(sought);
  }

  private void reply(Request<?> request, Failure failure) {
    if (request != null) {
      request.reply().completeExceptionally(new GregorException(failure));
    } else {
      emit(new Event.Error<>(failure));
    }
  }

  // ---------------------------------------------------------------- close

  private void close(Request<?> request) {
    finishTransducer();
    try {
      commitReceived(consumer.assignment(), settings.closeTimeout());
    } catch (RuntimeException e) {
      log.warn("commit on close failed", e);
    }
    closeNow(request);
  }

  private void closeNow(Request<?> request) {
    closed = true;
    control.doneOrClosed();
    try {
      consumer.close(CloseOptions.timeout(settings.closeTimeout()));
    } catch (RuntimeException e) {
      log.warn("closing the Kafka consumer failed", e);
      emit(
          new Event.Error<>(
              new Failure(ErrorKind.FATAL, "closing the Kafka consumer failed: " + e, e, null)));
    }
    try {
      forwarder.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    failPendingOperations();
    if (request != null) {
      request.complete(null);
    }
    emit(new Event.Result<>(new Operation.Close(), null));
    batch.add(new Event.Eof<>());
    flushBatch();
    deliverer.finish(Thread.currentThread().getName() + "-finisher");
  }

  /** Operations that arrived after close get an error, never silence. */
  private void failPendingOperations() {
    Object next;
    while ((next = operations.poll()) != null) {
      Operation<?> operation =
          next instanceof Request<?> r ? r.operation() : next instanceof Operation<?> o ? o : null;
      if (next instanceof Request<?> r && operation instanceof Operation.Close) {
        r.complete(null);
        continue;
      }
      reply(
          next instanceof Request<?> r ? r : null,
          new Failure(ErrorKind.INVALID_OPERATION, "the consumer is closed", null, operation));
    }
  }
}
