package io.gregor;

import static io.gregor.ConsumerTesting.nextMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.softwaremill.jox.ChannelDone;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.util.Map;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client the broker does not let in: the refusal is an error event, and the client still answers
 * and closes in order. This class runs its own broker, whose client listener requires SASL/PLAIN.
 */
@Timeout(60)
class AuthenticationFailureTest {
  private static final String USER = "alice";
  private static final String PASSWORD = "alice-secret";
  private static final String WRONG_PASSWORD = "not-alice-secret";

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBrokerThatRequiresSasl() {
    kafka = EmbeddedKafka.builder().saslPlain(Map.of(USER, PASSWORD)).start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  private static ConsumerSettings<String, String, Received<String, String>> consumerSettings(
      TestNames names, String password) {
    var settings =
        ConsumerSettings.create(
                kafka.bootstrapServers(), names.group(), Codecs.string(), Codecs.string())
            .withKafka("auto.offset.reset", "earliest");
    for (var entry : kafka.clientSaslConfig(USER, password).entrySet()) {
      settings = settings.withKafka(entry.getKey(), entry.getValue());
    }
    return settings;
  }

  private static ProducerSettings<Message<String, String>, String, String> producerSettings(
      String password) {
    var settings =
        ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
            .withOutputPolicy(EventType.DATA, EventType.ERROR, EventType.CONTROL);
    for (var entry : kafka.clientSaslConfig(USER, password).entrySet()) {
      settings = settings.withKafka(entry.getKey(), entry.getValue());
    }
    return settings;
  }

  @Test
  void consumer_withAWrongPassword_reportsAnAuthenticationError_answersAndClosesInOrder()
      throws Exception {
    // given
    var names = TestNames.unique("AuthenticationFailureTest-consumer");
    kafka.createTopic(names.topic(), 1);
    try (var consumer =
        Consumer.create(consumerSettings(names, WRONG_PASSWORD).withTopics(names.topic()))) {

      // when
      var error = nextMatching(consumer.output(), event -> event instanceof Event.Error<?>);

      // then: an authentication error
      Failure failure = ((Event.Error<?>) error).failure();
      assertThat(failure.kind()).isEqualTo(ErrorKind.AUTHENTICATION);
      assertThat(failure.cause()).isInstanceOf(SaslAuthenticationException.class);
      // and the consumer still answers
      assertThat(consumer.subscriptions()).containsExactly(names.topic());
      // and closes in order (the failing poll may repeat its error until then)
      consumer.control().send(new Operation.Close());
      var afterErrors =
          nextMatching(
              consumer.output(),
              event ->
                  !(event instanceof Event.Error<?>(Failure repeated)
                      && repeated.kind() == ErrorKind.AUTHENTICATION));
      assertThat(afterErrors).isEqualTo(new Event.Result<>(new Operation.Close(), null));
      assertThat(ConsumerTesting.next(consumer.output())).isEqualTo(new Event.Eof<>());
      assertThat(consumer.output().receiveOrClosed()).isInstanceOf(ChannelDone.class);
    }
  }

  @Test
  void producer_withAWrongPassword_reportsAnAuthenticationError_andClosesInOrder()
      throws Exception {
    // given
    var names = TestNames.unique("AuthenticationFailureTest-producer");
    kafka.createTopic(names.topic(), 1);
    var message = Message.<String, String>of(names.topic(), "refused");
    try (var producer = Producer.create(producerSettings(WRONG_PASSWORD))) {

      // when
      producer.input().send(message);

      // then: the send failed, because of the authentication
      var events = Outputs.until(producer.output(), event -> event instanceof Event.Error<?>);
      assertThat(Outputs.failures(events))
          .singleElement()
          .satisfies(
              failure -> {
                assertThat(failure.kind()).isEqualTo(ErrorKind.AUTHENTICATION);
                assertThat(failure.cause()).isInstanceOf(SaslAuthenticationException.class);
                assertThat(failure.subject()).isEqualTo(message);
              });
      // and close still completes, in order
      producer.control().send(new Operation.Close());
      assertThat(Outputs.untilEof(producer.output()))
          .containsExactly(new Event.Result<>(new Operation.Close(), null), new Event.Eof<>());
    }
  }

  @Test
  void producer_withTheRightPassword_sends() throws Exception {
    // given: the same settings as above but for the password, so the failures are about it alone
    var names = TestNames.unique("AuthenticationFailureTest-rightPassword");
    kafka.createTopic(names.topic(), 1);
    try (var producer = Producer.create(producerSettings(PASSWORD))) {

      // when
      producer.input().send(Message.of(names.topic(), "welcome"));

      // then
      var events =
          Outputs.until(
              producer.output(),
              event -> event instanceof Event.Data<?> || event instanceof Event.Error<?>);
      assertThat(Outputs.failures(events)).isEmpty();
      assertThat(Outputs.data(events))
          .singleElement()
          .satisfies(sent -> assertThat(sent.offset()).isZero());
    }
  }
}
