package io.gregor.internal;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.Sink;
import com.softwaremill.jox.Source;
import io.gregor.ErrorKind;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.Failure;
import io.gregor.GregorException;
import io.gregor.Message;
import io.gregor.Operation;
import io.gregor.ProducerOperation;
import io.gregor.ProducerSettings;
import io.gregor.Sent;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Gatherer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer's engine: one thread takes inputs and operations, runs the transducer, validates and
 * serializes messages and hands them to the {@link KafkaProducer}; Kafka's callbacks hand results
 * to the {@link Emitter}, which never lets them block.
 *
 * <p>One iteration of the loop:
 *
 * <ol>
 *   <li>take the next item from the intake: the input channel, into which a forwarding thread also
 *       puts the operations sent on the control channel, behind the inputs accepted before them (so
 *       an operation's result follows theirs, and the hot path is one plain {@code receive}, not a
 *       select over two channels); once the transducer has stopped taking input, operations come
 *       through a queue instead;
 *   <li>an input goes through the transducer (if any); each message it yields is validated,
 *       serialized and sent, after taking an in-flight permit (which waits while the output is
 *       backed up, so intake stops); a message to a topic whose metadata Kafka does not have yet
 *       waits in {@link UnreadyTopics} instead, where Kafka's wait for it holds up nothing else;
 *   <li>an operation runs.
 * </ol>
 *
 * <p>States: {@link State#RUNNING}; {@link State#INTAKE_STOPPED} once the transducer stopped early
 * (operations still run, the input channel is finished); {@link State#CLOSED}.
 *
 * <p>Closing (the {@link Operation.Close} operation, or the user finishing the input or control
 * channel) stops intake, sends what was accepted, runs the transducer's finisher, closes the Kafka
 * producer within the close timeout (Kafka reports messages it could not send through their
 * callbacks), then emits the close result and EOF. A direct {@code close()} lifts the in-flight
 * limit first, so that it completes even when nobody reads the output. A failure of the loop itself
 * (an {@link Error} from user code, a bug) and an interrupt of its thread end the stream too, with
 * a {@link ErrorKind#FATAL} error first; accepted inputs are then sent (interrupt) or reported as
 * not sent (failure), never dropped.
 *
 * <p>Transactions (a {@code transactional.id} in the settings): the loop registers the producer
 * first ({@code initTransactions}), and the constructor waits for that, so a failure is thrown to
 * the creator and nothing is left running. The input and the transaction operations are one
 * sequence through the intake: a message belongs to the transaction that is open when the loop
 * takes it, and is reported not sent when none is. A commit first waits for messages still waiting
 * for their topic's metadata, and refuses to commit when a message of the transaction failed before
 * it reached Kafka (which would not know of it). Once fenced, the loop refuses messages and
 * transaction operations; close aborts a transaction left open.
 */
public final class SendLoop<I, K, V> {
  private static final Logger log = LoggerFactory.getLogger(SendLoop.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  /** Permits added when the in-flight limit is lifted for closing: more than can ever be used. */
  private static final int LIFTED = 1 << 30;

  private static final int CONTROL_CAPACITY = 16;

  /** How long close waits for metadata waits to end once Kafka is closed (they end at once). */
  private static final Duration METADATA_WAITS_END = Duration.ofSeconds(1);

  /** The loop's states; see the class comment. */
  private enum State {
    RUNNING,
    INTAKE_STOPPED,
    CLOSED
  }

  private final ProducerSettings<I, K, V> settings;
  private final LoopCore core;
  private final BatchedIntake<Object> intake;
  private final UnreadErrors unreadErrors = new UnreadErrors();

  /** The output as readers see it: counts what they take, for {@link #unreadErrors}. */
  private final ChunkedOutput<Event<Sent<K, V>>> readerOutput;

  private final Semaphore permits;
  private final AtomicBoolean limitLifted = new AtomicBoolean();
  private final Transducer<I, Message<K, V>> transducer;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Emitter<Sent<K, V>> emitter;
  private final UnreadyTopics<Message<K, V>> unready;
  private final boolean wantData;

  /** Operations that reached a finished intake: the loop takes them from here instead. */
  private final LinkedBlockingQueue<Object> lateOperations =
      new LinkedBlockingQueue<>(CONTROL_CAPACITY);

  private State state = State.RUNNING;

  /** Whether {@code transactional.id} is set: messages are sent only inside a transaction. */
  private final boolean transactional;

  /** Completed once the loop has registered a transactional producer (at once otherwise). */
  private final CompletableFuture<Void> ready = new CompletableFuture<>();

  /** Whether a transaction is open (begun, not yet committed or aborted). Loop thread only. */
  private boolean transactionOpen;

  /** Messages of the open transaction that failed before Kafka had them; any thread. */
  private final AtomicInteger transactionFailures = new AtomicInteger();

  /** Why the producer was fenced, once it was: nothing transactional is possible any more. */
  private volatile Failure fenced;

  /**
   * Whether a close has begun: a transducer stopping while it drains the input must not nest one.
   */
  private boolean closing;

  /** The input currently in the transducer, named by its error events. */
  private Object currentInput;

  /** The input, message or operation being handled, named by the error event if the loop fails. */
  private Object inProgress;

  /** Starts a producer; the settings must have been validated. */
  public SendLoop(ProducerSettings<I, K, V> settings) {
    this.settings = settings;
    int id = IDS.incrementAndGet();
    Gatherer<? super I, ?, Message<K, V>> gatherer = settings.transducer();
    // First, as the gatherer's initializer may throw: nothing is started yet.
    this.transducer = gatherer == null ? null : Transducer.of(gatherer, new SendDownstream());
    this.intake = new BatchedIntake<>(settings.inputBufferSize());
    this.readerOutput = new ChunkedOutput<>(settings.outputBufferSize(), () -> {}, unreadErrors);
    this.permits = new Semaphore(settings.maxInFlight());
    Map<String, Object> kafka = new HashMap<>(settings.kafka());
    kafka.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    kafka.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    Object transactionalId = kafka.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    this.transactional = transactionalId != null && !transactionalId.toString().isBlank();
    this.producer = new KafkaProducer<>(kafka);
    warnIfIdempotenceOff(settings.kafka());
    this.emitter =
        new Emitter<>(
            "gregor-producer-" + id + "-emitter",
            readerOutput,
            settings.outputBufferSize(),
            settings.outputPolicy(),
            permits,
            unreadErrors);
    this.unready =
        new UnreadyTopics<>(
            "gregor-producer-" + id,
            producer,
            message -> (metadata, exception) -> completed(message, metadata, exception),
            failure -> {
              transactionFailures.incrementAndGet();
              emitter.offer(new Event.Error<>(failure));
            });
    this.wantData = emitter.wants(EventType.DATA);
    String name = "gregor-producer-" + id;
    Map<String, String> context = new HashMap<>();
    context.put("gregor.client", String.valueOf(kafka.getOrDefault("client.id", name)));
    if (transactional) {
      context.put("gregor.transactional.id", transactionalId.toString());
    }
    this.core = new LoopCore("producer", name, CONTROL_CAPACITY, context, this::run);
    core.start(this::takeOperation);
    awaitReady();
  }

  /** Waits until a transactional producer is registered; throws why it could not be. */
  private void awaitReady() {
    try {
      ready.get();
    } catch (ExecutionException e) {
      core.awaitTermination(); // closed by the loop already: nothing left running
      if (e.getCause() instanceof GregorException failed) {
        throw new GregorException(failed.failure());
      }
      throw new GregorException(
          new Failure(ErrorKind.FATAL, "the producer failed to start", e.getCause(), null));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call(new Operation.Close());
      throw new GregorException(
          new Failure(
              ErrorKind.OPERATION_FAILED,
              "interrupted waiting for the transactional producer to register; closed it",
              e,
              null));
    }
  }

  @SuppressWarnings("unchecked")
  public Sink<I> input() {
    return (Sink<I>) (Sink<?>) intake;
  }

  public <O> Channel<O> control() {
    return core.control();
  }

  /** What the producer has done so far (any thread). */
  public io.gregor.Statistics statistics() {
    return new io.gregor.Statistics(
        emitter.counts.made(),
        readerOutput.received(),
        0,
        0,
        Math.max(0, settings.maxInFlight() - permits.availablePermits()),
        0,
        emitter.counts.errors());
  }

  public Source<Event<Sent<K, V>>> output() {
    return readerOutput;
  }

  /** Error events on their way to the output that no reader has taken. */
  public UnreadErrors unreadErrors() {
    return unreadErrors;
  }

  /**
   * Runs an operation through the loop and returns its result.
   *
   * @throws GregorException when it fails, when the producer is closed, or when called on the
   *     loop's own thread (from a transducer or serializer), where it would wait for itself
   */
  public <R> R call(ProducerOperation<R> operation) {
    if (operation instanceof Operation.Close && !core.onOwnThread()) {
      // A loop waiting for an in-flight permit that only a reader can free must still see this.
      liftInFlightLimit();
    }
    return core.call(operation, null);
  }

  /** Waits until the loop has finished (after close). */
  public void awaitTermination() {
    core.awaitTermination();
  }

  private void liftInFlightLimit() {
    if (limitLifted.compareAndSet(false, true)) {
      permits.release(LIFTED);
    }
  }

  private void run() {
    try {
      if (!initTransactions()) {
        return;
      }
      while (state != State.CLOSED) {
        runOnce();
      }
    } catch (RuntimeException | Error e) {
      log.error("producer loop failed; closing", e);
      core.failed(e);
      ready.completeExceptionally(e);
      failed(e);
    }
  }

  /**
   * Registers a transactional producer with the broker (bounded by {@code max.block.ms}); when that
   * fails, closes and says why to the creator. Whether the loop may go on.
   */
  private boolean initTransactions() {
    if (!transactional) {
      ready.complete(null);
      return true;
    }
    try {
      producer.initTransactions();
      ready.complete(null);
      return true;
    } catch (RuntimeException e) {
      log.debug("initTransactions failed", e);
      Failure failure =
          new Failure(
              KafkaFailures.kind(e, ErrorKind.TRANSACTION_FAILED),
              "the transactional producer could not register with the broker (initTransactions): "
                  + KafkaFailures.describe(e),
              e,
              null);
      closeNow(null, false, "not sent: the producer could not start");
      ready.completeExceptionally(new GregorException(failure));
      return false;
    }
  }

  private void runOnce() {
    inProgress = null;
    if (Thread.interrupted()) {
      interrupted();
      return;
    }
    Object next;
    try {
      // Once intake has stopped, operations come through the queue, as they are (not wrapped).
      next = state == State.RUNNING ? intake.take() : new Op(lateOperations.take());
    } catch (InterruptedException e) {
      interrupted();
      return;
    }
    switch (next) {
      case Op(Object operation) -> runOperation(operation);
      case ChannelClosed ignored -> {
        // The user finished the input channel: "no more", an orderly close.
        log.debug("the input channel was finished by the user; closing the producer");
        close(null, true);
      }
      default -> accept(next);
    }
  }

  /** An item of the control channel, in the intake behind the inputs accepted before it. */
  private record Op(Object operation) {}

  /**
   * The forwarder hands an operation over: into the intake, behind the inputs accepted before it,
   * or, once the intake is finished, into {@link #lateOperations}; waits while either is full.
   */
  private void takeOperation(Object operation) throws InterruptedException {
    if (operation == LoopCore.CONTROL_FINISHED) {
      liftInFlightLimit(); // a close: the loop may wait for a permit only a reader can free
    }
    if (intake.sendOrClosed(new Op(operation)) instanceof ChannelClosed) {
      lateOperations.put(operation);
    }
  }

  private void runOperation(Object operation) {
    switch (operation) {
      case Request<?> request -> execute(request.operation(), request);
      case ProducerOperation<?> op -> execute(op, null);
      case Object o when o == LoopCore.CONTROL_FINISHED -> {
        log.debug("the control channel was finished; closing the producer");
        close(null, true);
      }
      default ->
          reply(
              null,
              new Failure(
                  ErrorKind.INVALID_OPERATION,
                  "not a producer operation: " + operation,
                  null,
                  operation));
    }
  }

  /** An operation that came too late: the producer is closing or closed. */
  private void refuse(Object operation, boolean closing) {
    core.refuse(
        operation,
        failure -> {
          if (closing) {
            emitter.offerUnheld(new Event.Error<>(failure));
          } else {
            offerError(failure);
          }
        });
  }

  /**
   * Someone (user code on this thread, most likely) interrupted the loop: it says so and closes in
   * order, sending what was accepted.
   */
  private void interrupted() {
    log.warn("the producer's thread was interrupted; closing");
    emitter.offerUnheld(
        new Event.Error<>(
            new Failure(
                ErrorKind.FATAL,
                "the producer's thread was interrupted; it sends what it accepted and closes",
                null,
                null)));
    close(null, false);
  }

  /** The loop failed: it says so, reports what it accepted as not sent, and ends the stream. */
  private void failed(Throwable e) {
    try {
      emitter.offerUnheld(
          new Event.Error<>(
              new Failure(ErrorKind.FATAL, "the producer failed: " + e, e, inProgress)));
      closeNow(null, false, "not sent: the producer failed before sending it");
    } catch (RuntimeException | Error again) {
      log.error("closing the failed producer failed too", again);
      intake.doneOrClosed();
      core.abandon(again);
      emitter.offerUnheld(new Event.Eof<>());
    }
  }

  @SuppressWarnings("unchecked")
  private void accept(Object in) {
    inProgress = in;
    if (transducer == null) {
      if (in instanceof Message<?, ?> message) {
        send((Message<K, V>) message);
      } else {
        offerError(
            new Failure(ErrorKind.INVALID_MESSAGE, "not a Message: " + describe(in), null, in));
      }
      return;
    }
    if (state != State.RUNNING) {
      offerError(
          new Failure(
              ErrorKind.NOT_SENT, "not sent: the transducer had stopped taking input", null, in));
      return;
    }
    currentInput = in;
    try {
      if (!transducer.integrate((I) in)) {
        transducerStopped(in);
      }
    } catch (RuntimeException e) {
      offerError(
          new Failure(ErrorKind.TRANSDUCER, "the transducer threw on an input: " + e, e, in));
    } finally {
      currentInput = null;
    }
  }

  private static String describe(Object value) {
    return value == null ? "null" : value + " (a " + value.getClass().getName() + ")";
  }

  private void transducerStopped(Object in) {
    // Finish the intake first: once the user sees the event below, sending fails at once.
    state = State.INTAKE_STOPPED;
    // Already finished by the user (asking to close) before the loop reached the end of the input;
    // or by a close under way, which the check below leaves alone.
    boolean closeRequested = intake.doneOrClosed() instanceof ChannelClosed;
    offerError(
        new Failure(
            ErrorKind.TRANSDUCER_STOPPED,
            "the transducer stopped early; the producer takes no more input",
            null,
            in));
    finishTransducer();
    reportNotSent("not sent: the transducer had stopped taking input", false);
    if (closeRequested && !closing) {
      log.debug("the input channel had been finished by the user; closing the producer");
      close(null, true);
    }
  }

  private void finishTransducer() {
    if (transducer == null) {
      return;
    }
    try {
      transducer.finish();
    } catch (RuntimeException e) {
      offerError(
          new Failure(ErrorKind.TRANSDUCER, "the transducer's finisher threw: " + e, e, null));
    }
  }

  /**
   * Takes every input left in the finished intake and sends it; operations behind the close are
   * refused.
   */
  private void drainFinishedInput() {
    for (Object next = intake.takeFinished();
        !(next instanceof ChannelClosed);
        next = intake.takeFinished()) {
      if (next instanceof Op(Object operation)) {
        refuse(operation, false);
      } else {
        accept(next);
      }
    }
  }

  /** Reports every input left in the finished input channel as not sent. */
  private void reportNotSent(String reason, boolean closing) {
    for (Object next = intake.takeFinished();
        !(next instanceof ChannelClosed);
        next = intake.takeFinished()) {
      if (next instanceof Op(Object operation)) {
        if (closing) {
          refuse(operation, true);
        } else {
          runOperation(operation); // the transducer stopped: operations still run
        }
        continue;
      }
      Failure failure = new Failure(ErrorKind.NOT_SENT, reason, null, next);
      if (closing) {
        emitter.offerUnheld(new Event.Error<>(failure));
      } else {
        offerError(failure);
      }
    }
  }

  /** Receives the transducer's messages; anything else it yields is reported. */
  private final class SendDownstream implements Gatherer.Downstream<Object> {
    @Override
    @SuppressWarnings("unchecked")
    public boolean push(Object out) {
      if (out instanceof Message<?, ?> message) {
        send((Message<K, V>) message);
      } else {
        offerError(
            new Failure(
                ErrorKind.INVALID_MESSAGE,
                "the transducer yielded something that is not a Message: " + describe(out),
                null,
                currentInput));
      }
      return true;
    }
  }

  private void send(Message<K, V> message) {
    inProgress = message;
    if (transactional && !inTransaction(message)) {
      return;
    }
    String invalid = invalidReason(message);
    if (invalid != null) {
      offerError(new Failure(ErrorKind.INVALID_MESSAGE, invalid, null, message));
      return;
    }
    byte[] key;
    byte[] value;
    try {
      key = serialize(settings.keySerializer(), message.topic(), message.key());
      value = serialize(settings.valueSerializer(), message.topic(), message.value());
    } catch (RuntimeException e) {
      offerError(
          new Failure(
              ErrorKind.SERIALIZATION, "could not serialize the message: " + e, e, message));
      return;
    }
    ProducerRecord<byte[], byte[]> record;
    try {
      Instant timestamp = message.timestamp();
      record =
          new ProducerRecord<>(
              message.topic(),
              message.partition(),
              timestamp == null ? null : timestamp.toEpochMilli(),
              key,
              value,
              KafkaData.toKafka(message.headers()));
    } catch (IllegalArgumentException | ArithmeticException e) {
      offerError(
          new Failure(ErrorKind.INVALID_MESSAGE, String.valueOf(e.getMessage()), e, message));
      return;
    }
    boolean ready = unready.isReady(message.topic());
    if (ready && message.partition() != null && !partitionExists(message)) {
      return;
    }
    if (permits.availablePermits() == 0) {
      intake.openUp(); // while the loop waits for a permit, senders fill the input
    }
    permits.acquireUninterruptibly();
    if (!ready) {
      // Kafka's send would wait for the topic's metadata here, holding up everything else.
      unready.park(message, record);
      return;
    }
    try {
      producer.send(record, (metadata, exception) -> completed(message, metadata, exception));
    } catch (RuntimeException e) {
      permits.release();
      offerError(KafkaFailures.sendFailed("could not send", e, message));
    }
  }

  /**
   * Whether the message's partition exists, as far as the client's metadata knows; reports the
   * message when not. Without this check Kafka's {@code send} would block the loop for {@code
   * max.block.ms} waiting for the partition to appear. Only for a ready topic, whose partitions
   * Kafka has (for the others, {@link UnreadyTopics} checks).
   */
  private boolean partitionExists(Message<K, V> message) {
    List<PartitionInfo> partitions;
    try {
      partitions = producer.partitionsFor(message.topic());
    } catch (RuntimeException e) {
      offerError(KafkaFailures.sendFailed("could not send", e, message));
      return false;
    }
    String missing =
        UnreadyTopics.missingPartition(message.topic(), message.partition(), partitions.size());
    if (missing == null) {
      return true;
    }
    offerError(new Failure(ErrorKind.INVALID_MESSAGE, missing, null, message));
    return false;
  }

  /** Whether a transaction is open for {@code message}; reports it when not. */
  private boolean inTransaction(Message<K, V> message) {
    Failure fencedBy = fenced;
    if (fencedBy != null) {
      emitter.offerBlocking(
          new Event.Error<>(
              new Failure(
                  ErrorKind.FENCED,
                  "not sent: the producer was fenced (" + fencedBy.message() + "); close it",
                  fencedBy.cause(),
                  message)));
      return false;
    }
    if (!transactionOpen) {
      emitter.offerBlocking(
          new Event.Error<>(
              new Failure(
                  ErrorKind.NOT_SENT,
                  "not sent: the producer is transactional (transactional.id is set) and no"
                      + " transaction is open; begin one first",
                  null,
                  message)));
      return false;
    }
    return true;
  }

  private static <T> byte[] serialize(Serializer<T> serializer, String topic, T data) {
    return data == null ? null : serializer.serialize(topic, data);
  }

  private static String invalidReason(Message<?, ?> message) {
    if (message.topic() == null || message.topic().isBlank()) {
      return "the message has no topic";
    }
    if (message.value() == null && !message.tombstone()) {
      return "the message has no value (use Message.tombstone to send a null value)";
    }
    if (message.value() != null && message.tombstone()) {
      return "a tombstone must not have a value";
    }
    if (message.partition() != null && message.partition() < 0) {
      return "the partition must be 0 or more, was " + message.partition();
    }
    if (message.timestamp() != null && message.timestamp().isBefore(Instant.EPOCH)) {
      return "the timestamp must not be before " + Instant.EPOCH + ", was " + message.timestamp();
    }
    return null;
  }

  /** Kafka's callback, on its I/O thread (or on the loop's, for an early failure): never blocks. */
  private void completed(Message<K, V> message, RecordMetadata metadata, Exception exception) {
    if (exception != null) {
      log.debug("send failed: {}", exception.toString());
      if (isFenced(exception)) {
        fencedBy(exception);
      }
      if (exception instanceof TimeoutException
          || exception instanceof UnknownTopicOrPartitionException) {
        // Perhaps Kafka lost the topic's metadata: the next message must not wait for it here.
        unready.forget(message.topic());
      }
      emitter.offer(new Event.Error<>(KafkaFailures.sendFailed("send failed", exception, message)));
    } else if (wantData) {
      emitter.offer(
          new Event.Data<>(
              new Sent<>(
                  message,
                  metadata.topic(),
                  metadata.partition(),
                  metadata.offset(),
                  metadata.hasTimestamp() ? Instant.ofEpochMilli(metadata.timestamp()) : null,
                  metadata.serializedKeySize(),
                  metadata.serializedValueSize())));
    } else {
      permits.release();
    }
  }

  private void offerError(Failure failure) {
    if (transactionOpen && !(failure.subject() instanceof Operation<?>)) {
      transactionFailures.incrementAndGet(); // an input or message of the transaction failed
    }
    emitter.offerBlocking(new Event.Error<>(failure));
  }

  private static boolean isFenced(Throwable e) {
    return e instanceof ProducerFencedException || e instanceof InvalidProducerEpochException;
  }

  private void fencedBy(Throwable e) {
    if (fenced == null) {
      fenced = new Failure(ErrorKind.FENCED, String.valueOf(e.getMessage()), e, null);
    }
  }

  /** Runs a transaction operation: checks that it may run, then {@code action} on Kafka. */
  private void transaction(Operation<?> operation, Request<?> request, Runnable action) {
    if (!transactional) {
      reply(
          request,
          new Failure(
              ErrorKind.INVALID_OPERATION,
              operation
                  + " needs a transactional producer: set the Kafka setting 'transactional.id'",
              null,
              operation));
      return;
    }
    Failure fencedBy = fenced;
    if (fencedBy != null) {
      reply(
          request,
          new Failure(
              ErrorKind.FENCED,
              operation + " refused: the producer was fenced (" + fencedBy.message() + ")",
              fencedBy.cause(),
              operation));
      return;
    }
    boolean begin = operation instanceof Operation.BeginTransaction;
    if (begin == transactionOpen) {
      reply(
          request,
          new Failure(
              ErrorKind.INVALID_OPERATION,
              operation
                  + (begin
                      ? " refused: a transaction is open already"
                      : " needs an open transaction"),
              null,
              operation));
      return;
    }
    try {
      action.run();
    } catch (RuntimeException e) {
      if (isFenced(e)) {
        fencedBy(e);
        transactionOpen = false;
      }
      reply(
          request,
          new Failure(
              KafkaFailures.kind(e, ErrorKind.TRANSACTION_FAILED),
              operation + " failed: " + KafkaFailures.describe(e),
              e,
              operation));
      return;
    }
    reply(request, operation, null);
  }

  /** Commits the open transaction, unless a message of it failed before Kafka had it. */
  private void commitTransaction() {
    unready.awaitSettled(); // parked messages are the transaction's too
    int failed = transactionFailures.get();
    if (failed > 0) {
      throw new TransactionRefused(
          failed
              + " message(s) or input(s) of this transaction were not sent (see their error"
              + " events); the transaction is still open: abort it");
    }
    producer.commitTransaction();
    transactionOpen = false;
  }

  /** A commit Gregor refuses itself. */
  private static final class TransactionRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TransactionRefused(String message) {
      super(message, null, false, false);
    }

    @Override
    public String toString() {
      return getMessage();
    }
  }

  private void execute(Operation<?> operation, Request<?> request) {
    inProgress = operation;
    try {
      switch (operation) {
        case Operation.PartitionsFor(String topic) -> {
          if (topic == null || topic.isBlank()) {
            reply(
                request,
                new Failure(
                    ErrorKind.INVALID_OPERATION, "partitions-for needs a topic", null, operation));
            return;
          }
          reply(request, operation, KafkaData.partitions(producer.partitionsFor(topic)));
        }
        case Operation.Flush() -> {
          unready.awaitSettled(); // parked messages are accepted ones too
          producer.flush();
          reply(request, operation, null);
        }
        case Operation.Metrics() ->
            reply(request, operation, KafkaData.metrics(producer.metrics()));
        case Operation.Close() -> close(request, true);
        case Operation.BeginTransaction() ->
            transaction(
                operation,
                request,
                () -> {
                  producer.beginTransaction();
                  transactionFailures.set(0);
                  transactionOpen = true;
                });
        case Operation.SendOffsetsToTransaction(var offsets, var groupMetadata) ->
            transaction(
                operation,
                request,
                () -> producer.sendOffsetsToTransaction(offsets, groupMetadata));
        case Operation.CommitTransaction() ->
            transaction(operation, request, this::commitTransaction);
        case Operation.AbortTransaction() ->
            transaction(
                operation,
                request,
                () -> {
                  unready.awaitSettled(); // none may reach Kafka after the abort
                  producer.abortTransaction();
                  transactionOpen = false;
                });
        default ->
            reply(
                request,
                new Failure(
                    ErrorKind.INVALID_OPERATION,
                    "a producer does not take " + operation,
                    null,
                    operation));
      }
    } catch (RuntimeException e) {
      reply(
          request,
          new Failure(
              KafkaFailures.kind(e, ErrorKind.OPERATION_FAILED),
              operation + " failed: " + KafkaFailures.describe(e),
              e,
              operation));
    }
  }

  private void reply(Request<?> request, Operation<?> operation, Object value) {
    if (request != null) {
      request.complete(value);
    } else {
      emitter.offerBlocking(new Event.Result<>(operation, value));
    }
  }

  private void reply(Request<?> request, Failure failure) {
    if (request != null) {
      request.reply().completeExceptionally(new GregorException(failure));
    } else {
      offerError(failure);
    }
  }

  /**
   * The orderly close: see the class comment. {@code announce}: whether a close result precedes EOF
   * (not when the loop closes on its own).
   */
  private void close(Request<?> request, boolean announce) {
    closing = true;
    liftInFlightLimit();
    intake.doneOrClosed();
    if (state == State.RUNNING) {
      drainFinishedInput();
    }
    finishTransducer();
    closeNow(request, announce, "not sent: the producer closed before sending it");
  }

  private void closeNow(Request<?> request, boolean announce, String notSentReason) {
    closing = true;
    long deadline = System.nanoTime() + settings.closeTimeout().toNanos();
    state = State.CLOSED;
    liftInFlightLimit();
    intake.doneOrClosed();
    // Empty after an orderly close; after a failure, what was accepted and not yet taken.
    reportNotSent(notSentReason, true);
    // Messages waiting for their topic's metadata get what is left of the close timeout, no more.
    unready.awaitSettled(deadline);
    unready.abandon(notSentReason);
    abortOpenTransaction();
    try {
      producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    } catch (RuntimeException e) {
      log.warn("closing the Kafka producer failed", e);
      emitter.offerUnheld(
          new Event.Error<>(
              new Failure(ErrorKind.FATAL, "closing the Kafka producer failed: " + e, e, null)));
    }
    unready.join(METADATA_WAITS_END);
    core.finishIntake(this::refuseLateOperations);
    if (announce) {
      emitter.offerUnheld(new Event.Result<>(new Operation.Close(), null));
    }
    emitter.offerUnheld(new Event.Eof<>());
    if (request != null) {
      request.complete(null);
    }
  }

  /** At close: a transaction left open is aborted, so that read_committed readers go on at once. */
  private void abortOpenTransaction() {
    if (!transactionOpen || fenced != null) {
      return;
    }
    transactionOpen = false;
    try {
      producer.abortTransaction();
    } catch (RuntimeException e) {
      log.warn("aborting the open transaction at close failed", e);
      emitter.offerUnheld(
          new Event.Error<>(
              new Failure(
                  isFenced(e) ? ErrorKind.FENCED : ErrorKind.TRANSACTION_FAILED,
                  "aborting the open transaction at close failed: " + KafkaFailures.describe(e),
                  e,
                  new Operation.AbortTransaction())));
    }
  }

  /** Operations that arrived after close get an error, never silence; a late close, its result. */
  private void refuseLateOperations() {
    for (Object next = lateOperations.poll(); next != null; next = lateOperations.poll()) {
      refuse(next, true);
    }
  }

  /**
   * Kafka turns idempotence off without a word above INFO when {@code acks} is not {@code all} and
   * {@code enable.idempotence} is not set; retries may then duplicate or reorder messages.
   */
  private static void warnIfIdempotenceOff(Map<String, Object> kafka) {
    Object acks = kafka.get(ProducerConfig.ACKS_CONFIG);
    if (acks == null || kafka.containsKey(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)) {
      return;
    }
    String value = acks.toString().trim();
    if (!value.equalsIgnoreCase("all") && !value.equals("-1")) {
      log.warn(
          "idempotence is off: acks={} (not 'all') makes Kafka disable it, so a retried send may"
              + " duplicate or reorder messages; set acks=all, or enable.idempotence=false to say"
              + " this is intended",
          value);
    }
  }
}
