package io.gregor.internal;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.Select;
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
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Gatherer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
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
 *   <li>wait for an input or an operation, whichever comes first;
 *   <li>an input goes through the transducer (if any); each message it yields is validated,
 *       serialized and sent, after taking an in-flight permit (which blocks while the output is
 *       backed up, so intake stops);
 *   <li>an operation first drains the inputs already accepted, so that its result follows them,
 *       then runs.
 * </ol>
 *
 * Closing (the {@link Operation.Close} operation, or the user finishing the input channel) stops
 * intake, sends what was accepted, runs the transducer's finisher, closes the Kafka producer within
 * the close timeout (unsent messages are reported as errors by Kafka's callbacks), then emits the
 * result and EOF.
 */
public final class SendLoop<I, K, V> {
  private static final Logger log = LoggerFactory.getLogger(SendLoop.class);
  private static final AtomicInteger IDS = new AtomicInteger();
  private static final Object NOTHING = new Object();

  private final ProducerSettings<I, K, V> settings;
  private final Channel<I> input;
  private final Channel<Object> control;
  private final Channel<Event<Sent<K, V>>> output;
  private final Semaphore permits;
  private final Emitter<Sent<K, V>> emitter;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Transducer<I, Message<K, V>> transducer;
  private final boolean wantData;
  private final boolean wantErrors;
  private final Thread thread;

  /** The input currently in the transducer, named by its error events. */
  private Object currentInput;

  private boolean closed;

  /** Starts a producer; the settings must have been validated. */
  public SendLoop(ProducerSettings<I, K, V> settings) {
    this.settings = settings;
    int id = IDS.incrementAndGet();
    this.input = Channel.newBufferedChannel(settings.inputBufferSize());
    this.control = Channel.newBufferedChannel(16);
    this.output = Channel.newBufferedChannel(settings.outputBufferSize());
    this.permits = new Semaphore(settings.maxInFlight());
    Map<String, Object> kafka = new HashMap<>(settings.kafka());
    kafka.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    kafka.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    this.producer = new KafkaProducer<>(kafka);
    this.emitter =
        new Emitter<>(
            "gregor-producer-" + id + "-emitter", output, settings.outputPolicy(), permits);
    this.wantData = emitter.wants(EventType.DATA);
    this.wantErrors = emitter.wants(EventType.ERROR);
    Gatherer<? super I, ?, Message<K, V>> gatherer = settings.transducer();
    this.transducer = gatherer == null ? null : Transducer.of(gatherer, new SendDownstream());
    this.thread = Thread.ofVirtual().name("gregor-producer-" + id).start(this::run);
  }

  public Channel<I> input() {
    return input;
  }

  @SuppressWarnings("unchecked")
  public <O> Channel<O> control() {
    return (Channel<O>) control;
  }

  public Channel<Event<Sent<K, V>>> output() {
    return output;
  }

  /** Runs an operation through the loop and returns its result. */
  public <R> R call(ProducerOperation<R> operation) {
    Request<R> request = Request.of(operation);
    try {
      if (control.sendOrClosed(request) instanceof ChannelClosed) {
        if (operation instanceof Operation.Close) {
          awaitTermination();
          return null;
        }
        throw closedFailure(operation);
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

  private static GregorException closedFailure(Operation<?> operation) {
    return new GregorException(
        new Failure(ErrorKind.INVALID_OPERATION, "the producer is closed", null, operation));
  }

  private void run() {
    try {
      while (!closed) {
        runOnce();
      }
    } catch (InterruptedException e) {
      log.warn("producer loop interrupted; closing");
      Thread.currentThread().interrupt();
      closeNow(null);
    } catch (RuntimeException | Error e) {
      log.error("producer loop failed; closing", e);
      emitter.offerUnheld(
          new Event.Error<>(
              new Failure(ErrorKind.FATAL, "the producer loop failed: " + e, e, null)));
      closeNow(null);
    }
  }

  private void runOnce() throws InterruptedException {
    Object next =
        Select.selectOrClosed(control.receiveClause(), input.receiveClause(FromInput::new));
    switch (next) {
      case FromInput<?>(Object in) -> accept(in);
      case ChannelClosed ignored -> {
        // The user finished the input (or control) channel: "no more input", an orderly close.
        log.debug("a channel was finished by the user; closing the producer");
        close(null);
      }
      case Request<?> request -> execute(request.operation(), request);
      case ProducerOperation<?> operation -> execute(operation, null);
      default ->
          reply(
              null,
              new Failure(
                  ErrorKind.INVALID_OPERATION, "not a producer operation: " + next, null, next));
    }
  }

  private record FromInput<T>(T value) {}

  @SuppressWarnings("unchecked")
  private void accept(Object in) throws InterruptedException {
    if (transducer == null) {
      send((Message<K, V>) in, in);
      return;
    }
    if (transducer.stopped()) {
      offerError(
          new Failure(
              ErrorKind.NOT_SENT, "not sent: the transducer had stopped taking input", null, in));
      return;
    }
    currentInput = in;
    try {
      if (!transducer.integrate((I) in)) {
        transducerStopped();
      }
    } catch (RuntimeException e) {
      offerError(
          new Failure(ErrorKind.TRANSDUCER, "the transducer threw on an input: " + e, e, in));
    } finally {
      currentInput = null;
    }
  }

  private void transducerStopped() throws InterruptedException {
    offerError(
        new Failure(
            ErrorKind.TRANSDUCER_STOPPED,
            "the transducer stopped early; the producer takes no more input",
            null,
            null));
    finishTransducer();
    input.doneOrClosed();
    drainInput();
  }

  private void finishTransducer() throws InterruptedException {
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

  /** Takes every input already accepted, without waiting for more. */
  private void drainInput() throws InterruptedException {
    while (true) {
      Object next = Select.selectOrClosed(input.receiveClause(), Select.defaultClause(NOTHING));
      if (next == NOTHING || next instanceof ChannelClosed) {
        return;
      }
      accept(next);
    }
  }

  private final class SendDownstream implements Gatherer.Downstream<Message<K, V>> {
    @Override
    public boolean push(Message<K, V> message) {
      try {
        send(message, currentInput);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      return true;
    }
  }

  private void send(Message<K, V> message, Object origin) throws InterruptedException {
    String invalid = invalidReason(message);
    if (invalid != null) {
      offerError(new Failure(ErrorKind.INVALID_MESSAGE, invalid, null, messageOr(message, origin)));
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
    Instant timestamp = message.timestamp();
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(
            message.topic(),
            message.partition(),
            timestamp == null ? null : timestamp.toEpochMilli(),
            key,
            value,
            KafkaData.toKafka(message.headers()));
    permits.acquire();
    try {
      producer.send(record, (metadata, exception) -> completed(message, metadata, exception));
    } catch (IllegalArgumentException e) {
      permits.release();
      offerError(new Failure(ErrorKind.INVALID_MESSAGE, e.getMessage(), e, message));
    } catch (RuntimeException e) {
      permits.release();
      offerError(new Failure(ErrorKind.SEND_FAILED, "could not send: " + e, e, message));
    }
  }

  private static <T> byte[] serialize(Serializer<T> serializer, String topic, T data) {
    return data == null ? null : serializer.serialize(topic, data);
  }

  private static Object messageOr(Message<?, ?> message, Object origin) {
    return message != null ? message : origin;
  }

  private static String invalidReason(Message<?, ?> message) {
    if (message == null) {
      return "the message is null";
    }
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
    return null;
  }

  /** Kafka's callback, on its I/O thread: never blocks. */
  private void completed(Message<K, V> message, RecordMetadata metadata, Exception exception) {
    if (exception == null) {
      if (wantData) {
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
    } else if (wantErrors) {
      emitter.offer(
          new Event.Error<>(
              new Failure(ErrorKind.SEND_FAILED, "send failed: " + exception, exception, message)));
    } else {
      log.debug("send failed (errors are not in the output policy): {}", exception.toString());
      permits.release();
    }
  }

  private void offerError(Failure failure) throws InterruptedException {
    emitter.offerBlocking(new Event.Error<>(failure));
  }

  private void execute(Operation<?> operation, Request<?> request) throws InterruptedException {
    drainInput();
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
          producer.flush();
          reply(request, operation, null);
        }
        case Operation.Metrics() ->
            reply(request, operation, KafkaData.metrics(producer.metrics()));
        case Operation.Close() -> close(request);
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
          new Failure(ErrorKind.OPERATION_FAILED, operation + " failed: " + e, e, operation));
    }
  }

  private void reply(Request<?> request, Operation<?> operation, Object value) {
    if (request != null) {
      request.complete(value);
    } else {
      emitter.offer(new Event.Result<>(operation, value));
    }
  }

  private void reply(Request<?> request, Failure failure) throws InterruptedException {
    if (request != null) {
      request.reply().completeExceptionally(new GregorException(failure));
    } else {
      offerError(failure);
    }
  }

  /** The orderly close: see the class comment. */
  private void close(Request<?> request) throws InterruptedException {
    input.doneOrClosed();
    drainInput();
    finishTransducer();
    closeNow(request);
  }

  private void closeNow(Request<?> request) {
    closed = true;
    input.doneOrClosed();
    try {
      producer.close(settings.closeTimeout());
    } catch (RuntimeException e) {
      log.warn("closing the Kafka producer failed", e);
      emitter.offerUnheld(
          new Event.Error<>(
              new Failure(ErrorKind.FATAL, "closing the Kafka producer failed: " + e, e, null)));
    }
    control.doneOrClosed();
    failPendingRequests();
    Operation.Close close = new Operation.Close();
    if (request != null) {
      request.complete(null);
    }
    emitter.offer(new Event.Result<>(close, null));
    emitter.offer(new Event.Eof<>());
  }

  /** Operations that arrived after close get an error, never silence. */
  private void failPendingRequests() {
    while (true) {
      Object next;
      try {
        next = Select.selectOrClosed(control.receiveClause(), Select.defaultClause(NOTHING));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (next == NOTHING || next instanceof ChannelClosed) {
        return;
      }
      Operation<?> operation =
          next instanceof Request<?> r ? r.operation() : next instanceof Operation<?> o ? o : null;
      Failure failure =
          new Failure(ErrorKind.INVALID_OPERATION, "the producer is closed", null, operation);
      if (next instanceof Request<?> r) {
        if (operation instanceof Operation.Close) {
          r.complete(null);
        } else {
          r.reply().completeExceptionally(new GregorException(failure));
        }
      } else {
        emitter.offerUnheld(new Event.Error<>(failure));
      }
    }
  }
}
