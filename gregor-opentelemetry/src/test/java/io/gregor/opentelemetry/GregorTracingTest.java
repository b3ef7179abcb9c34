package io.gregor.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gregor.Acknowledgements;
import io.gregor.Codecs;
import io.gregor.Consumer;
import io.gregor.ConsumerSettings;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.Message;
import io.gregor.Ordering;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import io.gregor.RetryPolicy;
import io.gregor.Sent;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The trace goes through Kafka: a send span (child of the sender's context) ends at the outcome,
 * and the processing span on the consumer side continues it, from the W3C header.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class GregorTracingTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final SdkTracerProvider tracerProvider =
      SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
  private final OpenTelemetrySdk openTelemetry =
      OpenTelemetrySdk.builder()
          .setTracerProvider(tracerProvider)
          .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
          .build();
  private final GregorTracing tracing = GregorTracing.of(openTelemetry);

  @AfterEach
  void closeOpenTelemetry() {
    openTelemetry.close();
  }

  private SpanData span(String name) {
    return spans.getFinishedSpanItems().stream()
        .filter(span -> span.getName().equals(name))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no span " + name + " in " + spans.getFinishedSpanItems()));
  }

  /** Sends one message inside a span "request", and ends its send span with the outcome. */
  private void sendTraced(EmbeddedKafka kafka, String topic, String value) throws Exception {
    try (var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
                .withOutputPolicy(EventType.DATA, EventType.ERROR))) {
      var request = openTelemetry.getTracer("test").spanBuilder("request").startSpan();
      try (var _ = request.makeCurrent()) {
        producer.input().send(tracing.inject(Message.of(topic, "k", value)));
      } finally {
        request.end();
      }
      producer.flush();
      while (tracing.openSpans() > 0) {
        Event<Sent<String, String>> event = producer.output().receive();
        tracing.outcome(event);
      }
    }
  }

  @Test
  void sendAndProcess_shareTheSendersTrace(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    sendTraced(kafka, names.topic(), "order");

    // when: processed with a traced handler
    var settings =
        ConsumerSettings.create(
                kafka.bootstrapServers(), names.group(), Codecs.string(), Codecs.string())
            .withKafka("auto.offset.reset", "earliest")
            .withTopics(names.topic())
            .withAcknowledgements(Acknowledgements.defaults());
    try (var consumer = Consumer.create(settings)) {
      consumer.process(Ordering.KEY, 4, tracing.traced(record -> {}));
      await().atMost(PATIENCE).until(() -> spans.getFinishedSpanItems().size() == 3);
    }

    // then: request -> send -> process, one trace
    SpanData request = span("request");
    SpanData send = span("send " + names.topic());
    SpanData process = span("process " + names.topic());
    assertThat(send.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(send.getParentSpanId()).isEqualTo(request.getSpanId());
    assertThat(send.getAttributes().get(GregorTracing.OFFSET)).isEqualTo(0L);
    assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(process.getTraceId()).isEqualTo(request.getTraceId());
    assertThat(process.getParentSpanId()).isEqualTo(send.getSpanId());
    assertThat(process.getAttributes().get(GregorTracing.DESTINATION)).isEqualTo(names.topic());
  }

  @Test
  void handlerThatThrows_marksItsProcessingSpanAsAnError(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    sendTraced(kafka, names.topic(), "bad");
    var settings =
        ConsumerSettings.create(
                kafka.bootstrapServers(), names.group(), Codecs.string(), Codecs.string())
            .withKafka("auto.offset.reset", "earliest")
            .withTopics(names.topic())
            .withAcknowledgements(
                Acknowledgements.defaults()
                    .withRetries(RetryPolicy.defaults().withAttempts(1, Duration.ZERO)));

    // when
    try (var consumer = Consumer.create(settings)) {
      consumer.process(
          Ordering.KEY,
          4,
          tracing.traced(
              record -> {
                throw new IllegalStateException("cannot handle " + record.value());
              }));
      await().atMost(PATIENCE).until(() -> spans.getFinishedSpanItems().size() == 3);
    }

    // then
    SpanData process = span("process " + names.topic());
    assertThat(process.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(process.getEvents()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("exception"));
  }

  @Test
  void sendThatFails_endsItsSpanAsAnError(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    try (var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string()))) {

      // when: a partition the topic does not have
      producer.input().send(tracing.inject(Message.of(names.topic(), "k", "v").withPartition(5)));
      while (tracing.openSpans() > 0) {
        tracing.outcome(producer.output().receive());
      }
    }

    // then
    SpanData send = span("send " + names.topic());
    assertThat(send.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(send.getStatus().getDescription()).startsWith("INVALID_MESSAGE");
  }

  @Test
  void inject_putsAW3CTraceparentHeaderOnTheMessage() {
    var message = tracing.inject(Message.of("t", "k", "v"));

    List<String> keys = message.headers().stream().map(h -> h.key()).toList();
    assertThat(keys).containsExactly("traceparent");
    assertThat(new String(message.headers().getFirst().value(), StandardCharsets.UTF_8))
        .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
  }
}
