package io.gregor;

import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Gatherer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Everything a {@link Consumer} is made from. Immutable: each {@code with...} method returns a
 * copy. Checked when the consumer is created; a bad setting fails there with a message naming it.
 *
 * <pre>{@code
 * var settings = ConsumerSettings.create("localhost:9092", "billing", Codecs.string(), Codecs.string())
 *     .withTopics(Topics.of("orders"))
 *     .withKafka("auto.offset.reset", "earliest");
 * }</pre>
 *
 * @param kafka Kafka consumer configuration, passed to the client as given ({@code
 *     bootstrap.servers} required). {@code enable.auto.commit} (Kafka's default: true) is honoured
 *     by Gregor itself: it commits only what the reader has received, every {@code
 *     auto.commit.interval.ms} (Kafka's default: 5000), or at the latest a second after the reader
 *     took something when the consumer has nothing else to do; also when partitions are revoked and
 *     at close. {@link #toString()} hides the values of settings that may hold secrets ({@code
 *     sasl.jaas.config}, {@code ssl.keystore.key}, passwords, ...)
 * @param topics the initial subscription, or {@code null} to subscribe or assign later
 * @param outputBufferSize how many events the output channel holds; when it is full the consumer
 *     pauses its partitions (and keeps polling) until there is room
 * @param outputPolicy the events wanted; {@link EventType#DATA} and {@link EventType#EOF} are
 *     always added
 * @param closeTimeout how long close may take to commit and leave the group
 * @param transducer transforms received records before they reach the output, or {@code null}
 * @param closeFailsOnUnreadErrors whether {@code close()} throws a {@link GregorException} when
 *     error events nobody read are left on the output (otherwise it logs them at WARN)
 * @param acknowledgements commit after acknowledgement, with these bounds and retry policy; {@code
 *     null} (the default) to commit what the reader has taken
 * @param <T> what data events carry: {@code Received<K, V>} without a transducer
 */
public record ConsumerSettings<K, V, T>(
    Map<String, Object> kafka,
    Deserializer<K> keyDeserializer,
    Deserializer<V> valueDeserializer,
    Topics topics,
    int outputBufferSize,
    Set<EventType> outputPolicy,
    Duration closeTimeout,
    Gatherer<? super Received<K, V>, ?, T> transducer,
    boolean closeFailsOnUnreadErrors,
    Acknowledgements acknowledgements) {

  /**
   * Default {@link #outputBufferSize()}: enough for the poll loop to go on fetching while the
   * reader is held up for a millisecond or two (on a busy machine, a thread waits that long for a
   * core), so that the loop rarely waits for the reader. With the limit of events waiting for the
   * output (the same number) it holds up to about twice as many records: lower it for large
   * records.
   */
  public static final int DEFAULT_OUTPUT_BUFFER_SIZE = 8192;

  /** Default {@link #closeTimeout()}. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

  public ConsumerSettings {
    kafka = Map.copyOf(Objects.requireNonNull(kafka, "kafka"));
    Set<EventType> policy = EnumSet.of(EventType.DATA);
    if (outputPolicy != null) {
      policy.addAll(outputPolicy);
    }
    outputPolicy = Settings.withEof(policy);
  }

  /**
   * Settings for a consumer in group {@code groupId} ({@code null} for none: then assign partitions
   * by hand).
   */
  public static <K, V> ConsumerSettings<K, V, Received<K, V>> create(
      String bootstrapServers,
      String groupId,
      Deserializer<K> keyDeserializer,
      Deserializer<V> valueDeserializer) {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Map<String, Object> kafka = new HashMap<>();
    kafka.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    if (groupId != null) {
      kafka.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    }
    return create(kafka, keyDeserializer, valueDeserializer);
  }

  /** Settings for a consumer with this Kafka configuration. */
  public static <K, V> ConsumerSettings<K, V, Received<K, V>> create(
      Map<String, ?> kafka, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
    return new ConsumerSettings<>(
        Map.copyOf(kafka),
        keyDeserializer,
        valueDeserializer,
        null,
        DEFAULT_OUTPUT_BUFFER_SIZE,
        EnumSet.of(EventType.DATA, EventType.CONTROL, EventType.ERROR),
        DEFAULT_CLOSE_TIMEOUT,
        null,
        false,
        null);
  }

  /** These settings with one more Kafka configuration entry. */
  public ConsumerSettings<K, V, T> withKafka(String key, Object value) {
    Map<String, Object> more = new HashMap<>(kafka);
    more.put(key, value);
    return new ConsumerSettings<>(
        more,
        keyDeserializer,
        valueDeserializer,
        topics,
        outputBufferSize,
        outputPolicy,
        closeTimeout,
        transducer,
        closeFailsOnUnreadErrors,
        acknowledgements);
  }

  /** These settings with an initial subscription. */
  public ConsumerSettings<K, V, T> withTopics(Topics newTopics) {
    return new ConsumerSettings<>(
        kafka,
        keyDeserializer,
        valueDeserializer,
        newTopics,
        outputBufferSize,
        outputPolicy,
        closeTimeout,
        transducer,
        closeFailsOnUnreadErrors,
        acknowledgements);
  }

  /** These settings subscribed to these topic names. */
  public ConsumerSettings<K, V, T> withTopics(String... names) {
    return withTopics(Topics.of(names));
  }

  /** These settings with another output buffer size. */
  public ConsumerSettings<K, V, T> withOutputBufferSize(int size) {
    return new ConsumerSettings<>(
        kafka,
        keyDeserializer,
        valueDeserializer,
        topics,
        size,
        outputPolicy,
        closeTimeout,
        transducer,
        closeFailsOnUnreadErrors,
        acknowledgements);
  }

  /** These settings with the events wanted (DATA and EOF are always added). */
  public ConsumerSettings<K, V, T> withOutputPolicy(EventType... types) {
    return new ConsumerSettings<>(
        kafka,
        keyDeserializer,
        valueDeserializer,
        topics,
        outputBufferSize,
        Settings.policy(types),
        closeTimeout,
        transducer,
        closeFailsOnUnreadErrors,
        acknowledgements);
  }

  /** These settings with another close timeout. */
  public ConsumerSettings<K, V, T> withCloseTimeout(Duration timeout) {
    return new ConsumerSettings<>(
        kafka,
        keyDeserializer,
        valueDeserializer,
        topics,
        outputBufferSize,
        outputPolicy,
        timeout,
        transducer,
        closeFailsOnUnreadErrors,
        acknowledgements);
  }

  /**
   * These settings with {@code close()} throwing a {@link GregorException} that summarises the
   * error events nobody read (with {@code false}, the default, it logs them at WARN instead).
   * Errors a reader is still taking when close returns get a moment to be taken first.
   */
  public ConsumerSettings<K, V, T> withCloseFailsOnUnreadErrors(boolean fail) {
    return new ConsumerSettings<>(
        kafka,
        keyDeserializer,
        valueDeserializer,
        topics,
        outputBufferSize,
        outputPolicy,
        closeTimeout,
        transducer,
        fail,
        acknowledgements);
  }

  /**
   * These settings committing after acknowledgement: a partition is committed only up to its first
   * record the application has not acknowledged ({@link Consumer#acknowledge}, {@link
   * Consumer#process}). {@code null} goes back to committing what the reader has taken.
   */
  public ConsumerSettings<K, V, T> withAcknowledgements(Acknowledgements newAcknowledgements) {
    return new ConsumerSettings<>(
        kafka,
        keyDeserializer,
        valueDeserializer,
        topics,
        outputBufferSize,
        outputPolicy,
        closeTimeout,
        transducer,
        closeFailsOnUnreadErrors,
        newAcknowledgements);
  }

  /** These settings with a transducer; data events then carry what it produces. */
  public <U> ConsumerSettings<K, V, U> withTransducer(
      Gatherer<? super Received<K, V>, ?, U> newTransducer) {
    Objects.requireNonNull(newTransducer, "transducer");
    return new ConsumerSettings<>(
        kafka,
        keyDeserializer,
        valueDeserializer,
        topics,
        outputBufferSize,
        outputPolicy,
        closeTimeout,
        newTransducer,
        closeFailsOnUnreadErrors,
        acknowledgements);
  }

  /** These settings as text; the values of Kafka settings that may hold secrets are hidden. */
  @Override
  public String toString() {
    return "ConsumerSettings[kafka="
        + SensitiveSettings.redacted(kafka)
        + ", keyDeserializer="
        + keyDeserializer
        + ", valueDeserializer="
        + valueDeserializer
        + ", topics="
        + topics
        + ", outputBufferSize="
        + outputBufferSize
        + ", outputPolicy="
        + outputPolicy
        + ", closeTimeout="
        + closeTimeout
        + ", transducer="
        + transducer
        + ", closeFailsOnUnreadErrors="
        + closeFailsOnUnreadErrors
        + ", acknowledgements="
        + acknowledgements
        + "]";
  }

  /**
   * Checks every setting.
   *
   * @throws IllegalArgumentException naming the first bad setting and what is allowed
   */
  public ConsumerSettings<K, V, T> validate() {
    Settings.requireBootstrap(kafka, "consumer");
    Settings.rejectKafkaKeys(
        kafka,
        "consumer",
        Map.of(
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, "keyDeserializer",
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, "valueDeserializer"));
    Settings.require(keyDeserializer != null, "consumer setting 'keyDeserializer' is required");
    Settings.require(valueDeserializer != null, "consumer setting 'valueDeserializer' is required");
    Settings.requireAtLeast("consumer", "outputBufferSize", outputBufferSize, 1);
    Settings.requirePositive("consumer", "closeTimeout", closeTimeout);
    requireBoolean(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);
    requireNumber(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, 0);
    requireNumber(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
    Settings.require(
        topics == null || kafka.get(ConsumerConfig.GROUP_ID_CONFIG) != null,
        "consumer setting 'topics' needs a group id ('group.id' in 'kafka'): Kafka subscribes"
            + " only within a group; without one, assign partitions with Operation.Assign");
    if (acknowledgements != null) {
      acknowledgements.validate();
      requireNumber(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 1);
      long maxPollInterval =
          Long.parseLong(
              String.valueOf(
                      kafka.getOrDefault(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 300_000))
                  .trim());
      Settings.require(
          acknowledgements.revokeWait().toMillis() < maxPollInterval,
          "acknowledgements setting 'revokeWait' ("
              + acknowledgements.revokeWait()
              + ") must be shorter than 'max.poll.interval.ms' ("
              + maxPollInterval
              + " ms): the wait happens inside Kafka's rebalance, and a longer one gets the"
              + " consumer evicted from its group");
      Settings.require(
          io.gregor.internal.PerRecord.holdsNothing(transducer),
          "consumer setting 'acknowledgements' needs a transducer that handles each record as it"
              + " comes (none, or Gregor's Transducers factories): with "
              + transducer
              + " Gregor cannot tell which record an output came from");
    }
    return this;
  }

  // Gregor reads these Kafka entries itself (it commits and applies backpressure), so it checks
  // them here rather than let the Kafka client see them first.

  private void requireBoolean(String key) {
    Object value = kafka.get(key);
    Settings.require(
        value == null
            || value instanceof Boolean
            || value.toString().equalsIgnoreCase("true")
            || value.toString().equalsIgnoreCase("false"),
        "consumer setting 'kafka' entry '" + key + "' must be true or false, was '" + value + "'");
  }

  private void requireNumber(String key, int min) {
    Object value = kafka.get(key);
    if (value == null) {
      return;
    }
    long number;
    try {
      number = Long.parseLong(value.toString().trim());
    } catch (NumberFormatException e) {
      number = Long.MIN_VALUE;
    }
    Settings.require(
        number >= min && number <= Integer.MAX_VALUE,
        "consumer setting 'kafka' entry '"
            + key
            + "' must be a whole number of at least "
            + min
            + ", was '"
            + value
            + "'");
  }
}
