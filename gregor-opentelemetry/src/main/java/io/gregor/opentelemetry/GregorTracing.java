package io.gregor.opentelemetry;

import io.gregor.Event;
import io.gregor.Header;
import io.gregor.Message;
import io.gregor.Received;
import io.gregor.RecordHandler;
import io.gregor.Sent;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;

/**
 * OpenTelemetry tracing for Gregor: the trace context goes into a message's headers (W3C {@code
 * traceparent}, or whatever the propagators say) when it is sent, and is read back when the record
 * is processed, so the processing span continues the sender's trace.
 *
 * <ul>
 *   <li>{@link #inject} starts a {@code PRODUCER} span "send TOPIC" as a child of the caller's
 *       current context and puts its context into the message's headers. The span ends when the
 *       outcome is handed to {@link #outcome} (the offset, or the error), so it covers the send up
 *       to Kafka's acknowledgement. At most {@code maxOpenSpans} wait for their outcome; beyond
 *       that the oldest ends with {@code gregor.outcome=unknown}.
 *   <li>{@link #traced(RecordHandler)} wraps a handler for {@code Consumer.process}: each record
 *       gets a {@code CONSUMER} span "process TOPIC" whose parent is the context in its headers,
 *       current while the handler runs, and marked as an error when the handler throws. {@link
 *       #startProcessing} does the same for a reader of the output.
 * </ul>
 *
 * Attributes follow OpenTelemetry's messaging conventions: {@code messaging.system=kafka}, {@code
 * messaging.destination.name}, {@code messaging.operation.type}, {@code
 * messaging.destination.partition.id}, {@code messaging.kafka.offset}.
 */
public final class GregorTracing {
  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> DESTINATION =
      AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<String> PARTITION =
      AttributeKey.stringKey("messaging.destination.partition.id");
  static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("gregor.outcome");

  /** Default {@link #withMaxOpenSpans}. */
  public static final int DEFAULT_MAX_OPEN_SPANS = 10_000;

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final int maxOpenSpans;

  /** Send spans waiting for their outcome, by span id, oldest first. */
  private final LinkedHashMap<String, Span> open = new LinkedHashMap<>();

  private GregorTracing(Tracer tracer, TextMapPropagator propagator, int maxOpenSpans) {
    this.tracer = tracer;
    this.propagator = propagator;
    this.maxOpenSpans = maxOpenSpans;
  }

  /** Tracing with this OpenTelemetry's tracer and propagators. */
  public static GregorTracing of(OpenTelemetry openTelemetry) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    return new GregorTracing(
        openTelemetry.getTracer("io.gregor"),
        openTelemetry.getPropagators().getTextMapPropagator(),
        DEFAULT_MAX_OPEN_SPANS);
  }

  /** This tracing with another bound on send spans waiting for their outcome. */
  public GregorTracing withMaxOpenSpans(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("maxOpenSpans must be at least 1, was " + max);
    }
    return new GregorTracing(tracer, propagator, max);
  }

  // ---------------------------------------------------------------- sending

  /**
   * Starts the message's send span and returns the message with the span's context in its headers.
   * Call it on the thread whose current context the send continues.
   */
  public <K, V> Message<K, V> inject(Message<K, V> message) {
    Span span =
        tracer
            .spanBuilder("send " + message.topic())
            .setSpanKind(SpanKind.PRODUCER)
            .setParent(Context.current())
            .setAttribute(SYSTEM, "kafka")
            .setAttribute(DESTINATION, message.topic())
            .setAttribute(OPERATION, "send")
            .startSpan();
    List<Header> headers = new ArrayList<>(message.headers());
    propagator.inject(
        Context.current().with(span),
        headers,
        (carrier, key, value) -> {
          carrier.removeIf(header -> header.key().equals(key));
          carrier.add(Header.of(key, value));
        });
    synchronized (open) {
      open.put(span.getSpanContext().getSpanId(), span);
      if (open.size() > maxOpenSpans) {
        Iterator<Span> oldest = open.values().iterator();
        Span evicted = oldest.next();
        oldest.remove();
        evicted.setAttribute(OUTCOME, "unknown").end();
      }
    }
    return new Message<>(
        message.topic(),
        message.partition(),
        message.key(),
        message.value(),
        message.timestamp(),
        headers,
        message.tombstone());
  }

  /**
   * Ends the send span of the message this producer event is about: with the partition and offset
   * for a data event, as an error for an error event whose subject is the message. Other events
   * change nothing. Call it for each event read from the producer's output.
   */
  public <K, V> void outcome(Event<Sent<K, V>> event) {
    switch (event) {
      case Event.Data<Sent<K, V>>(var sent) -> {
        Span span = take(sent.message());
        if (span != null) {
          span.setAttribute(PARTITION, Integer.toString(sent.partition()))
              .setAttribute(OFFSET, sent.offset())
              .setAttribute(OUTCOME, "sent")
              .end();
        }
      }
      case Event.Error<Sent<K, V>>(var failure)
          when failure.subject() instanceof Message<?, ?> m -> {
        Span span = take(m);
        if (span != null) {
          if (failure.cause() != null) {
            span.recordException(failure.cause());
          }
          span.setStatus(StatusCode.ERROR, failure.kind() + ": " + failure.message())
              .setAttribute(OUTCOME, "failed")
              .end();
        }
      }
      default -> {}
    }
  }

  /** The send span whose context the message carries, if it still waits. */
  private Span take(Message<?, ?> message) {
    Context sent = propagator.extract(Context.root(), message.headers(), HEADERS);
    String spanId = Span.fromContext(sent).getSpanContext().getSpanId();
    synchronized (open) {
      return open.remove(spanId);
    }
  }

  /** Send spans waiting for their outcome. */
  public int openSpans() {
    synchronized (open) {
      return open.size();
    }
  }

  // ---------------------------------------------------------------- processing

  /** The trace context a record carries in its headers (the root context when none). */
  public Context extract(Received<?, ?> record) {
    return propagator.extract(Context.root(), record.headers(), HEADERS);
  }

  /**
   * Starts the record's processing span, child of the context in its headers, and makes it current;
   * close what this returns when processing is done (after {@link Processing#failed} if it failed).
   */
  public Processing startProcessing(Received<?, ?> record) {
    Span span =
        tracer
            .spanBuilder("process " + record.topic())
            .setSpanKind(SpanKind.CONSUMER)
            .setParent(extract(record))
            .setAttribute(SYSTEM, "kafka")
            .setAttribute(DESTINATION, record.topic())
            .setAttribute(OPERATION, "process")
            .setAttribute(PARTITION, Integer.toString(record.partition()))
            .setAttribute(OFFSET, record.offset())
            .startSpan();
    return new Processing(span, span.makeCurrent());
  }

  /** A processing span, current until closed. */
  public static final class Processing implements AutoCloseable {
    private final Span span;
    private final Scope scope;

    private Processing(Span span, Scope scope) {
      this.span = span;
      this.scope = scope;
    }

    /** The span. */
    public Span span() {
      return span;
    }

    /** Marks the span as failed with {@code cause}. */
    public void failed(Throwable cause) {
      span.recordException(cause);
      span.setStatus(StatusCode.ERROR, String.valueOf(cause.getMessage()));
    }

    @Override
    public void close() {
      scope.close();
      span.end();
    }
  }

  /** {@code handler}, each record processed inside its own span (see the class comment). */
  public <K, V> RecordHandler<K, V> traced(RecordHandler<K, V> handler) {
    Objects.requireNonNull(handler, "handler");
    return record -> {
      try (Processing processing = startProcessing(record)) {
        try {
          handler.handle(record);
        } catch (Exception | Error e) {
          processing.failed(e);
          throw e;
        }
      }
    };
  }

  @SuppressWarnings("deprecation") // keys(): required by the interface, deprecated in 1.6x
  private static final TextMapGetter<List<Header>> HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(List<Header> carrier) {
          return carrier.stream().map(Header::key).toList();
        }

        @Override
        public String get(List<Header> carrier, String key) {
          if (carrier == null) {
            return null;
          }
          String found = null;
          for (Header header : carrier) {
            if (header.key().equals(key) && header.value() != null) {
              found = new String(header.value(), StandardCharsets.UTF_8); // the last one wins
            }
          }
          return found;
        }
      };
}
