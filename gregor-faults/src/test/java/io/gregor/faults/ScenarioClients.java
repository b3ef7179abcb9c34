package io.gregor.faults;

import io.gregor.Codecs;
import io.gregor.ConsumerSettings;
import io.gregor.Message;
import io.gregor.ProducerSettings;
import io.gregor.Received;
import java.time.Duration;

/** The clients' settings the scenarios start from; each scenario adds what its fault needs. */
final class ScenarioClients {
  /**
   * Kafka's default {@code session.timeout.ms}, which the scenarios keep: the stall target
   * is that no read stalls longer than this beyond the outage itself.
   */
  static final Duration SESSION_TIMEOUT = Duration.ofSeconds(45);

  private ScenarioClients() {}

  /** An idempotent producer with {@code acks=all}: ids as values, keys as keys. */
  static ProducerSettings<Message<String, String>, String, String> producer(String bootstrap) {
    return ProducerSettings.create(bootstrap, Codecs.string(), Codecs.string())
        .withKafka("acks", "all")
        .withKafka("enable.idempotence", "true")
        .withKafka("linger.ms", 5);
  }

  /** A consumer in {@code group}, from the earliest offset, subscribed to {@code topic}. */
  static ConsumerSettings<String, String, Received<String, String>> consumer(
      String bootstrap, String group, String topic) {
    return ConsumerSettings.create(bootstrap, group, Codecs.string(), Codecs.string())
        .withKafka("auto.offset.reset", "earliest")
        .withTopics(topic);
  }
}
