package io.gregor.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes records that failed every try to the dead-letter topic: the original bytes, with headers
 * saying where the record came from and why it failed. The Kafka producer is made on first use,
 * from the consumer's connection settings. Everything runs on a thread of its own, in order, so
 * that the poll loop never waits for it (making the producer, or Kafka's metadata wait when the
 * topic is missing, up to {@code max.block.ms}); Kafka's callback only reports back.
 */
final class DeadLetters {
  private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);

  private final String topic;
  private final Map<String, Object> config;
  private volatile KafkaProducer<byte[], byte[]> producer; // made and used on the writer's thread
  private ExecutorService writer;

  /**
   * @param topic the dead-letter topic, or null for none
   * @param consumerKafka the consumer's Kafka settings; those a producer knows are kept
   */
  DeadLetters(String topic, Map<String, Object> consumerKafka) {
    this.topic = topic;
    this.config = new HashMap<>();
    consumerKafka.forEach(
        (key, value) -> {
          if (ProducerConfig.configNames().contains(key)) {
            config.put(key, value);
          }
        });
    Object clientId = consumerKafka.get(ProducerConfig.CLIENT_ID_CONFIG);
    if (clientId != null) {
      config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-dead-letters");
    }
    config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    config.remove(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG); // a consumer's, not a producer's
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
  }

  /**
   * Sends the record; {@code done} gets null once Kafka has acknowledged it, or the failure. Never
   * throws.
   */
  void send(Acknowledger.Entry entry, Throwable cause, int attempts, Consumer<Exception> done) {
    if (writer == null) {
      writer =
          Executors.newSingleThreadExecutor(
              Thread.ofVirtual().name("gregor-dead-letters").factory());
    }
    try {
      writer.execute(() -> write(entry, cause, attempts, done));
    } catch (RuntimeException e) {
      done.accept(e);
    }
  }

  private void write(
      Acknowledger.Entry entry, Throwable cause, int attempts, Consumer<Exception> done) {
    try {
      if (producer == null) {
        producer = new KafkaProducer<>(config);
      }
      var record = entry.record;
      Headers headers = new RecordHeaders();
      record.headers().forEach(header -> headers.add(header.key(), header.value()));
      add(headers, "gregor.dlt.topic", record.topic());
      add(headers, "gregor.dlt.partition", Integer.toString(record.partition()));
      add(headers, "gregor.dlt.offset", Long.toString(record.offset()));
      add(headers, "gregor.dlt.exception", cause == null ? "" : cause.getClass().getName());
      add(
          headers,
          "gregor.dlt.message",
          cause == null || cause.getMessage() == null ? "" : cause.getMessage());
      add(headers, "gregor.dlt.attempts", Integer.toString(attempts));
      producer.send(
          new ProducerRecord<>(
              topic, null, record.timestamp().toEpochMilli(), entry.key, entry.value, headers),
          (metadata, exception) -> done.accept(exception));
    } catch (RuntimeException e) {
      done.accept(e);
    }
  }

  private static void add(Headers headers, String key, String value) {
    headers.add(key, value.getBytes(StandardCharsets.UTF_8));
  }

  /** Finishes what was handed over, within {@code timeout}, and closes the producer. */
  void close(Duration timeout) {
    if (writer == null) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    writer.execute(
        () -> {
          if (producer != null) {
            try {
              producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            } catch (RuntimeException e) {
              log.warn("closing the dead-letter producer failed", e);
            }
          }
        });
    writer.shutdown();
    try {
      if (!writer.awaitTermination(
          Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        log.warn("the dead-letter writer did not finish within {}; stopping it", timeout);
        writer.shutdownNow();
        if (producer != null) {
          producer.close(Duration.ZERO);
        }
      }
    } catch (InterruptedException e) {
      writer.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
