package io.gregor.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.Codecs;
import io.gregor.ErrorKind;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.Message;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The guide's example of connecting to a secured cluster, run against a broker whose client
 * listener is SASL_SSL (TLS with a generated CA, SCRAM-SHA-512).
 */
@Timeout(60)
class SecuredClusterExampleTest {
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startSecuredBroker() {
    kafka = EmbeddedKafka.builder().tls().saslScram(Map.of("alice", "alice-secret")).start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  static void sendOverTls(
      String bootstrap, Map<String, String> security, String topic, PrintStream out)
      throws InterruptedException {
    // tag::secured-producer[]
    // security: security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512, sasl.jaas.config,
    // ssl.truststore.type=PEM and ssl.truststore.certificates (or a truststore file)
    var kafkaConfig = new HashMap<String, Object>(security);
    kafkaConfig.put("bootstrap.servers", bootstrap);
    var settings =
        ProducerSettings.create(kafkaConfig, Codecs.string(), Codecs.string())
            .withOutputPolicy(EventType.DATA, EventType.ERROR);
    out.println(settings); // ... sasl.jaas.config=[hidden] ...
    try (var producer = Producer.create(settings)) {
      producer.input().send(Message.of(topic, "hello over TLS"));
      switch (producer.output().receive()) {
        case Event.Data(var sent) -> out.println("sent at offset " + sent.offset());
        case Event.Error(var failure) when failure.kind() == ErrorKind.AUTHENTICATION ->
            out.println("not let in: " + failure.message()); // wrong password, untrusted cert
        case Event.Error(var failure) when failure.kind() == ErrorKind.AUTHORIZATION ->
            out.println("not allowed: " + failure.message()); // an ACL refused the topic
        default -> out.println("something else");
      }
    }
    // end::secured-producer[]
  }

  private static String run(Map<String, String> security, String topic) throws Exception {
    var printed = new ByteArrayOutputStream();
    sendOverTls(
        kafka.bootstrapServers(),
        security,
        topic,
        new PrintStream(printed, true, StandardCharsets.UTF_8));
    return printed.toString(StandardCharsets.UTF_8);
  }

  @Test
  void securedProducer_withTheRightPassword_sends_andPrintsNoSecret() throws Exception {
    // given
    var names = TestNames.unique("SecuredClusterExampleTest-right");
    kafka.createTopic(names.topic(), 1);

    // when
    var printed = run(kafka.clientScramConfig("alice", "alice-secret"), names.topic());

    // then
    assertThat(printed)
        .contains("sent at offset 0", "sasl.jaas.config=[hidden]")
        .doesNotContain("alice-secret");
  }

  @Test
  void securedProducer_withAWrongPassword_isNotLetIn() throws Exception {
    // given
    var names = TestNames.unique("SecuredClusterExampleTest-wrong");
    kafka.createTopic(names.topic(), 1);

    // when
    var printed = run(kafka.clientScramConfig("alice", "guessed-secret"), names.topic());

    // then
    assertThat(printed).contains("not let in: ").doesNotContain("guessed-secret");
  }
}
