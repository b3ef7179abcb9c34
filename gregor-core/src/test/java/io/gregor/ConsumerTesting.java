package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.softwaremill.jox.Select;
import com.softwaremill.jox.Source;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What the consumer tests share: settings for a consumer of the test's own group, test data written
 * with a plain {@link KafkaProducer} (independent of the Gregor producer), and reads of the output
 * that fail the test instead of hanging.
 */
final class ConsumerTesting {
  /** How long a test waits for one event before failing. */
  static final Duration PATIENCE = Duration.ofSeconds(30);

  private ConsumerTesting() {}

  /** String settings in the test's group, reading from the earliest offset, no subscription yet. */
  static ConsumerSettings<String, String, Received<String, String>> stringSettings(
      EmbeddedKafka kafka, TestNames names) {
    return ConsumerSettings.create(
            kafka.bootstrapServers(), names.group(), Codecs.string(), Codecs.string())
        .withKafka("auto.offset.reset", "earliest");
  }

  /** Writes {@code count} string records {@code key-i -> value-i} to one partition, in order. */
  static void produceStrings(EmbeddedKafka kafka, String topic, int partition, int count) {
    List<ProducerRecord<String, String>> records = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      records.add(new ProducerRecord<>(topic, partition, "key-" + i, "value-" + i));
    }
    produce(kafka, new StringSerializer(), new StringSerializer(), records);
  }

  /** Writes the records and waits until the broker has acknowledged every one. */
  static <K, V> void produce(
      EmbeddedKafka kafka,
      Serializer<K> keySerializer,
      Serializer<V> valueSerializer,
      List<ProducerRecord<K, V>> records) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    try (var producer = new KafkaProducer<>(config, keySerializer, valueSerializer)) {
      var sends = new ArrayList<java.util.concurrent.Future<?>>(records.size());
      for (var record : records) {
        sends.add(producer.send(record));
      }
      producer.flush();
      for (var send : sends) {
        send.get();
      }
    } catch (Exception e) {
      throw new AssertionError("producing test data failed", e);
    }
  }

  /** The next event, or a failed test after {@link #PATIENCE}. */
  static <T> Event<T> next(Source<Event<T>> output) {
    return next(output, PATIENCE);
  }

  /** The next event, or a failed test after {@code patience}. */
  static <T> Event<T> next(Source<Event<T>> output, Duration patience) {
    try {
      return Select.selectWithin(patience, output.receiveClause());
    } catch (TimeoutException e) {
      return fail("no event within " + patience);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail("interrupted waiting for an event");
    }
  }

  /**
   * The next event that is neither a rebalance notice nor data (those arrive whenever the group
   * decides): the answer to an operation.
   */
  static <T> Event<T> nextAnswer(Source<Event<T>> output) {
    return nextMatching(
        output,
        event -> !(event instanceof Event.Rebalance<?>) && !(event instanceof Event.Data<?>));
  }

  /** The next answer, which must be a result; returns its value. */
  static <T> Object nextResult(Source<Event<T>> output, Operation<?> operation) {
    Event<T> event = nextAnswer(output);
    if (!(event instanceof Event.Result<T>(Operation<?> answered, Object value))) {
      return fail("expected the result of " + operation + ", got " + event);
    }
    assertThat(answered).isEqualTo(operation);
    return value;
  }

  /** The next answer, which must be an error; returns its failure. */
  static <T> Failure nextError(Source<Event<T>> output) {
    Event<T> event = nextAnswer(output);
    if (!(event instanceof Event.Error<T>(Failure failure))) {
      return fail("expected an error event, got " + event);
    }
    return failure;
  }

  /** Skips events until one matches. */
  static <T> Event<T> nextMatching(Source<Event<T>> output, Predicate<Event<T>> wanted) {
    while (true) {
      Event<T> event = next(output);
      if (wanted.test(event)) {
        return event;
      }
    }
  }

  /** Reads until {@code count} data events have arrived; returns their values. */
  static <T> List<T> data(Source<Event<T>> output, int count) {
    return data(output, count, new ArrayList<>());
  }

  /** Reads until {@code count} data events have arrived; other events go to {@code others}. */
  static <T> List<T> data(Source<Event<T>> output, int count, List<Event<T>> others) {
    List<T> values = new ArrayList<>(count);
    while (values.size() < count) {
      switch (next(output)) {
        case Event.Data<T>(T value) -> values.add(value);
        case Event<T> other -> others.add(other);
      }
    }
    return values;
  }

  /** Waits until the consumer has partitions assigned (a rebalance notice says so). */
  static <T> void awaitAssignment(Source<Event<T>> output) {
    nextMatching(
        output,
        event ->
            event instanceof Event.Rebalance<?>(RebalanceKind kind, var partitions)
                && kind == RebalanceKind.ASSIGNED
                && !partitions.isEmpty());
  }
}
