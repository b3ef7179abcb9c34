package io.gregor;

import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Gatherer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Everything a {@link Producer} is made from. Immutable: each {@code with...} method returns a
 * copy. Checked when the producer is created; a bad setting fails there with a message naming it.
 *
 * <pre>{@code
 * var settings = ProducerSettings.create("localhost:9092", Codecs.string(), Codecs.json(Order.class))
 *     .withKafka("acks", "all")
 *     .withOutputPolicy(EventType.DATA, EventType.ERROR);
 * }</pre>
 *
 * @param kafka Kafka producer configuration, passed to the client as given ({@code
 *     bootstrap.servers} required; serializers are set with {@code keySerializer} and {@code
 *     valueSerializer}, not here). {@link #toString()} hides the values of settings that may hold
 *     secrets ({@code sasl.jaas.config}, {@code ssl.keystore.key}, passwords, ...)
 * @param inputBufferSize how many inputs the input channel holds before {@code send} blocks
 * @param outputBufferSize how many events the output channel holds before the producer stops taking
 *     input
 * @param maxInFlight how many outcomes may be pending at once: sent messages awaiting Kafka's
 *     answer, and events awaiting room in the output (1 to {@value #MAX_IN_FLIGHT_LIMIT}); bounds
 *     memory when nobody reads the output
 * @param outputPolicy the events wanted on the output channel; {@link EventType#EOF} is always
 *     added
 * @param closeTimeout how long close waits for accepted messages to be sent
 * @param transducer transforms inputs into messages, or {@code null} when inputs are messages
 * @param closeFailsOnUnreadErrors whether {@code close()} throws a {@link GregorException} when
 *     error events nobody read are left on the output (otherwise it logs them at WARN)
 * @param <I> what the input channel takes: {@code Message<K, V>} without a transducer
 */
public record ProducerSettings<I, K, V>(
    Map<String, Object> kafka,
    Serializer<K> keySerializer,
    Serializer<V> valueSerializer,
    int inputBufferSize,
    int outputBufferSize,
    int maxInFlight,
    Set<EventType> outputPolicy,
    Duration closeTimeout,
    Gatherer<? super I, ?, Message<K, V>> transducer,
    boolean closeFailsOnUnreadErrors) {

  /** Default {@link #inputBufferSize()}. */
  public static final int DEFAULT_INPUT_BUFFER_SIZE = 1024;

  /** Default {@link #outputBufferSize()}. */
  public static final int DEFAULT_OUTPUT_BUFFER_SIZE = 1024;

  /** Default {@link #maxInFlight()}. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 32_768;

  /** The largest {@link #maxInFlight()}. */
  public static final int MAX_IN_FLIGHT_LIMIT = 1 << 24;

  /** Default {@link #closeTimeout()}. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

  public ProducerSettings {
    kafka = Map.copyOf(Objects.requireNonNull(kafka, "kafka"));
    outputPolicy = Settings.withEof(outputPolicy);
  }

  /** Settings for a producer of messages to {@code bootstrapServers} (host:port,...). */
  public static <K, V> ProducerSettings<Message<K, V>, K, V> create(
      String bootstrapServers, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    return create(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
        keySerializer,
        valueSerializer);
  }

  /** Settings for a producer with this Kafka configuration. */
  public static <K, V> ProducerSettings<Message<K, V>, K, V> create(
      Map<String, ?> kafka, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
    return new ProducerSettings<>(
        Map.copyOf(kafka),
        keySerializer,
        valueSerializer,
        DEFAULT_INPUT_BUFFER_SIZE,
        DEFAULT_OUTPUT_BUFFER_SIZE,
        DEFAULT_MAX_IN_FLIGHT,
        EnumSet.of(EventType.CONTROL, EventType.ERROR),
        DEFAULT_CLOSE_TIMEOUT,
        null,
        false);
  }

  /** These settings with one more Kafka configuration entry. */
  public ProducerSettings<I, K, V> withKafka(String key, Object value) {
    Map<String, Object> more = new HashMap<>(kafka);
    more.put(key, value);
    return new ProducerSettings<>(
        more,
        keySerializer,
        valueSerializer,
        inputBufferSize,
        outputBufferSize,
        maxInFlight,
        outputPolicy,
        closeTimeout,
        transducer,
        closeFailsOnUnreadErrors);
  }

  /** These settings with another input buffer size. */
  public ProducerSettings<I, K, V> withInputBufferSize(int size) {
    return new ProducerSettings<>(
        kafka,
        keySerializer,
        valueSerializer,
        size,
        outputBufferSize,
        maxInFlight,
        outputPolicy,
        closeTimeout,
        transducer,
        closeFailsOnUnreadErrors);
  }

  /** These settings with another output buffer size. */
  public ProducerSettings<I, K, V> withOutputBufferSize(int size) {
    return new ProducerSettings<>(
        kafka,
        keySerializer,
        valueSerializer,
        inputBufferSize,
        size,
        maxInFlight,
        outputPolicy,
        closeTimeout,
        transducer,
        closeFailsOnUnreadErrors);
  }

  /** These settings with another limit on messages awaiting their result. */
  public ProducerSettings<I, K, V> withMaxInFlight(int max) {
    return new ProducerSettings<>(
        kafka,
        keySerializer,
        valueSerializer,
        inputBufferSize,
        outputBufferSize,
        max,
        outputPolicy,
        closeTimeout,
        transducer,
        closeFailsOnUnreadErrors);
  }

  /** These settings with the events wanted on the output channel (EOF is always added). */
  public ProducerSettings<I, K, V> withOutputPolicy(EventType... types) {
    return new ProducerSettings<>(
        kafka,
        keySerializer,
        valueSerializer,
        inputBufferSize,
        outputBufferSize,
        maxInFlight,
        Settings.policy(types),
        closeTimeout,
        transducer,
        closeFailsOnUnreadErrors);
  }

  /** These settings with another close timeout. */
  public ProducerSettings<I, K, V> withCloseTimeout(Duration timeout) {
    return new ProducerSettings<>(
        kafka,
        keySerializer,
        valueSerializer,
        inputBufferSize,
        outputBufferSize,
        maxInFlight,
        outputPolicy,
        timeout,
        transducer,
        closeFailsOnUnreadErrors);
  }

  /**
   * These settings with {@code close()} throwing a {@link GregorException} that summarises the
   * error events nobody read (with {@code false}, the default, it logs them at WARN instead).
   * Errors a reader is still taking when close returns get a moment to be taken first.
   */
  public ProducerSettings<I, K, V> withCloseFailsOnUnreadErrors(boolean fail) {
    return new ProducerSettings<>(
        kafka,
        keySerializer,
        valueSerializer,
        inputBufferSize,
        outputBufferSize,
        maxInFlight,
        outputPolicy,
        closeTimeout,
        transducer,
        fail);
  }

  /**
   * These settings with a transducer from inputs of type {@code J} to messages; the input channel
   * then takes {@code J}.
   */
  public <J> ProducerSettings<J, K, V> withTransducer(
      Gatherer<? super J, ?, Message<K, V>> newTransducer) {
    Objects.requireNonNull(newTransducer, "transducer");
    return new ProducerSettings<>(
        kafka,
        keySerializer,
        valueSerializer,
        inputBufferSize,
        outputBufferSize,
        maxInFlight,
        outputPolicy,
        closeTimeout,
        newTransducer,
        closeFailsOnUnreadErrors);
  }

  /** These settings as text; the values of Kafka settings that may hold secrets are hidden. */
  @Override
  public String toString() {
    return "ProducerSettings[kafka="
        + SensitiveSettings.redacted(kafka)
        + ", keySerializer="
        + keySerializer
        + ", valueSerializer="
        + valueSerializer
        + ", inputBufferSize="
        + inputBufferSize
        + ", outputBufferSize="
        + outputBufferSize
        + ", maxInFlight="
        + maxInFlight
        + ", outputPolicy="
        + outputPolicy
        + ", closeTimeout="
        + closeTimeout
        + ", transducer="
        + transducer
        + ", closeFailsOnUnreadErrors="
        + closeFailsOnUnreadErrors
        + "]";
  }

  /**
   * Checks every setting.
   *
   * @throws IllegalArgumentException naming the first bad setting and what is allowed
   */
  public ProducerSettings<I, K, V> validate() {
    Settings.requireBootstrap(kafka, "producer");
    Settings.rejectKafkaKeys(
        kafka,
        "producer",
        Map.of(
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, "keySerializer",
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "valueSerializer"));
    Settings.require(keySerializer != null, "producer setting 'keySerializer' is required");
    Settings.require(valueSerializer != null, "producer setting 'valueSerializer' is required");
    Settings.requireAtLeast("producer", "inputBufferSize", inputBufferSize, 1);
    Settings.requireAtLeast("producer", "outputBufferSize", outputBufferSize, 1);
    Settings.requireAtLeast("producer", "maxInFlight", maxInFlight, 1);
    Settings.require(
        maxInFlight <= MAX_IN_FLIGHT_LIMIT,
        "producer setting 'maxInFlight' must be at most "
            + MAX_IN_FLIGHT_LIMIT
            + ", was "
            + maxInFlight);
    Settings.requirePositive("producer", "closeTimeout", closeTimeout);
    return this;
  }
}
