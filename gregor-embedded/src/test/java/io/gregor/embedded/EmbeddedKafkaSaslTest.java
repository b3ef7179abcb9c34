package io.gregor.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A broker whose client listener requires SASL/PLAIN: who may connect, and who may not. */
@Timeout(120)
class EmbeddedKafkaSaslTest {
  /** Quotes and backslashes must survive the JAAS configuration's quoting on both sides. */
  private static final String TRICKY_PASSWORD = "b\"o\\b's secret";

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBrokerWithSaslUsers() {
    kafka =
        EmbeddedKafka.builder()
            .saslPlain(Map.of("alice", "alice-secret", "bob", TRICKY_PASSWORD))
            .start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @Test
  void saslPlain_clientWithTheRightPassword_producesAndConsumes() throws Exception {
    // given
    var names = TestNames.unique("EmbeddedKafkaSaslTest-rightPassword");
    kafka.createTopic(names.topic(), 1); // through the broker's own plaintext listener
    var alice = kafka.clientSaslConfig("alice", "alice-secret");

    // when
    var acks = Clients.send(kafka.bootstrapServers(), alice, names.topic(), List.of("a", "b"));

    // then
    assertThat(acks).hasSize(2);
    assertThat(Clients.read(kafka.bootstrapServers(), alice, names.topic(), names.group(), 2))
        .containsExactly("a", "b");
  }

  @Test
  void saslPlain_passwordWithQuotesAndBackslashes_authenticates() throws Exception {
    // given
    var names = TestNames.unique("EmbeddedKafkaSaslTest-trickyPassword");
    kafka.createTopic(names.topic(), 1);

    // when
    var acks =
        Clients.send(
            kafka.bootstrapServers(),
            kafka.clientSaslConfig("bob", TRICKY_PASSWORD),
            names.topic(),
            List.of("x"));

    // then
    assertThat(acks).singleElement().extracting(ack -> ack.offset()).isEqualTo(0L);
  }

  @Test
  void saslPlain_producerWithAWrongPassword_failsWithSaslAuthenticationException() {
    // given
    var names = TestNames.unique("EmbeddedKafkaSaslTest-wrongPasswordProducer");
    kafka.createTopic(names.topic(), 1);
    var wrong = kafka.clientSaslConfig("alice", "not-alice-secret");

    try (var producer = Clients.producer(kafka.bootstrapServers(), wrong)) {
      // when
      var send = producer.send(new ProducerRecord<>(names.topic(), "k", "v"));

      // then
      assertThatThrownBy(() -> send.get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(SaslAuthenticationException.class);
    }
  }

  @Test
  void saslPlain_consumerOfAnUnknownUser_failsWithSaslAuthenticationException() {
    // given
    var names = TestNames.unique("EmbeddedKafkaSaslTest-unknownUserConsumer");
    kafka.createTopic(names.topic(), 1);
    var unknown = kafka.clientSaslConfig("mallory", "guess");

    try (var consumer = Clients.consumer(kafka.bootstrapServers(), names.group(), unknown)) {
      consumer.subscribe(List.of(names.topic()));

      // when / then: the first poll that meets the broker fails, long before its timeout
      assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(60)))
          .isInstanceOf(SaslAuthenticationException.class);
    }
  }

  @Test
  void clientSaslConfig_hasWhatAKafkaClientNeeds() {
    // when
    var config = kafka.clientSaslConfig("alice", "alice-secret");

    // then
    assertThat(config)
        .containsEntry("security.protocol", "SASL_PLAINTEXT")
        .containsEntry("sasl.mechanism", "PLAIN")
        .containsEntry(
            "sasl.jaas.config",
            "org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"alice\" password=\"alice-secret\";");
  }

  @Test
  void clientSaslConfig_onAPlaintextBroker_isRefused() {
    // given
    try (var plaintext = EmbeddedKafka.start()) {
      // when / then
      assertThatThrownBy(() -> plaintext.clientSaslConfig("alice", "alice-secret"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("plaintext client listener")
          .hasMessageContaining("saslPlain");
    }
  }

  @Test
  void saslPlain_refusesUsersItCannotConfigure() {
    var builder = EmbeddedKafka.builder();
    assertThatThrownBy(() -> builder.saslPlain(null)).hasMessageContaining("at least one user");
    assertThatThrownBy(() -> builder.saslPlain(Map.of())).hasMessageContaining("at least one user");
    assertThatThrownBy(() -> builder.saslPlain(Map.of("al ice", "x")))
        .hasMessageContaining("user name must be letters, digits")
        .hasMessageContaining("'al ice'");
    assertThatThrownBy(() -> builder.saslPlain(Map.of("alice", "")))
        .hasMessageContaining("password of SASL user alice must not be null or empty");
    assertThatThrownBy(() -> builder.saslPlain(Map.of("alice", "line\nbreak")))
        .hasMessageContaining("must not contain control characters");
    var nullPassword = new HashMap<String, String>();
    nullPassword.put("alice", null);
    assertThatThrownBy(() -> builder.saslPlain(nullPassword))
        .hasMessageContaining("password of SASL user alice must not be null or empty");
  }
}
