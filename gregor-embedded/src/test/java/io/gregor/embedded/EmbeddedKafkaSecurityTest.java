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
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A broker whose client listener is SASL_SSL (TLS with a generated CA, SCRAM-SHA-512 users) and
 * that authorizes with ACLs: raw Kafka clients that may connect, and those that may not.
 */
@Timeout(120)
class EmbeddedKafkaSecurityTest {
  private static final String ADMIN = "admin";
  private static final String ADMIN_PASSWORD = "admin-secret";
  private static final String BOB = "bob";
  private static final String BOB_PASSWORD = "b\"o\\b's secret";

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startSecuredBroker() {
    kafka =
        EmbeddedKafka.builder()
            .tls()
            .saslScram(Map.of(ADMIN, ADMIN_PASSWORD, BOB, BOB_PASSWORD))
            .authorizer(ADMIN)
            .start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @Test
  void scramOverTls_superUser_producesAndConsumes() throws Exception {
    // given
    var names = TestNames.unique("EmbeddedKafkaSecurityTest-superUser");
    kafka.createTopic(names.topic(), 1); // through the broker's own listener
    var admin = kafka.clientScramConfig(ADMIN, ADMIN_PASSWORD);

    // when
    var acks = Clients.send(kafka.bootstrapServers(), admin, names.topic(), List.of("a", "b"));

    // then
    assertThat(acks).hasSize(2);
    assertThat(Clients.read(kafka.bootstrapServers(), admin, names.topic(), names.group(), 2))
        .containsExactly("a", "b");
  }

  @Test
  void scramOverTls_wrongPassword_failsWithSaslAuthenticationException() {
    // given
    var names = TestNames.unique("EmbeddedKafkaSecurityTest-wrongPassword");
    kafka.createTopic(names.topic(), 1);
    var wrong = kafka.clientScramConfig(ADMIN, "not-" + ADMIN_PASSWORD);

    try (var consumer = Clients.consumer(kafka.bootstrapServers(), names.group(), wrong)) {
      consumer.subscribe(List.of(names.topic()));

      // when / then
      assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(60)))
          .isInstanceOf(SaslAuthenticationException.class);
    }
  }

  @Test
  void tls_clientTrustingAnotherCa_failsWithSslAuthenticationException() {
    // given
    var names = TestNames.unique("EmbeddedKafkaSecurityTest-untrusted");
    kafka.createTopic(names.topic(), 1);
    var untrusted = new HashMap<>(kafka.clientScramConfig(ADMIN, ADMIN_PASSWORD));
    untrusted.put("ssl.truststore.certificates", CertificateAuthority.generate().certificatePem());

    try (var producer = Clients.producer(kafka.bootstrapServers(), untrusted)) {
      // when
      var send = producer.send(new ProducerRecord<>(names.topic(), "k", "v"));

      // then
      assertThatThrownBy(() -> send.get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(SslAuthenticationException.class);
    }
  }

  @Test
  void authorizer_userWithoutAcl_isRefused_untilAnAclAllowsIt() throws Exception {
    // given: bob may do nothing yet
    var names = TestNames.unique("EmbeddedKafkaSecurityTest-acl");
    kafka.createTopic(names.topic(), 1);
    var bob = kafka.clientScramConfig(BOB, BOB_PASSWORD);

    // when / then: refused
    try (var producer = Clients.producer(kafka.bootstrapServers(), bob)) {
      var send = producer.send(new ProducerRecord<>(names.topic(), "k", "v"));
      assertThatThrownBy(() -> send.get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(TopicAuthorizationException.class);
    }

    // when: an ACL lets bob write
    kafka.createAcls(
        List.of(
            new AclBinding(
                new ResourcePattern(ResourceType.TOPIC, names.topic(), PatternType.LITERAL),
                new AccessControlEntry(
                    "User:" + BOB, "*", AclOperation.WRITE, AclPermissionType.ALLOW))));

    // then
    assertThat(Clients.send(kafka.bootstrapServers(), bob, names.topic(), List.of("x")))
        .singleElement()
        .extracting(ack -> ack.offset())
        .isEqualTo(0L);
  }

  @Test
  void clientConfigs_haveWhatAKafkaClientNeeds() {
    // when
    var tls = kafka.clientTlsConfig();
    var scram = kafka.clientScramConfig(ADMIN, ADMIN_PASSWORD);

    // then
    assertThat(tls)
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("ssl.truststore.type", "PEM")
        .hasEntrySatisfying(
            "ssl.truststore.certificates",
            pem -> assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----\n"));
    assertThat(scram)
        .containsAllEntriesOf(tls)
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry(
            "sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"admin\" password=\"admin-secret\";");
    assertThatThrownBy(() -> kafka.clientSaslConfig(ADMIN, ADMIN_PASSWORD))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("SASL over TLS client listener without SASL/PLAIN")
        .hasMessageContaining("saslPlain(users)");
  }

  @Test
  void tls_withoutSasl_servesClientsThatTrustItsCa() throws Exception {
    // given: a broker of its own, whose client listener is SSL
    try (var tlsOnly = EmbeddedKafka.builder().tls().start()) {
      var names = TestNames.unique("EmbeddedKafkaSecurityTest-tlsOnly");
      tlsOnly.createTopic(names.topic(), 1);
      var trusting = tlsOnly.clientTlsConfig();

      // when
      var acks = Clients.send(tlsOnly.bootstrapServers(), trusting, names.topic(), List.of("t"));

      // then
      assertThat(trusting).containsEntry("security.protocol", "SSL");
      assertThat(acks).hasSize(1);
      assertThat(
              Clients.read(tlsOnly.bootstrapServers(), trusting, names.topic(), names.group(), 1))
          .containsExactly("t");
      assertThatThrownBy(() -> tlsOnly.clientScramConfig(ADMIN, ADMIN_PASSWORD))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("TLS client listener without SASL/SCRAM");
    }
  }

  @Test
  void saslScram_refusesUsersItCannotConfigure() {
    var builder = EmbeddedKafka.builder();
    assertThatThrownBy(() -> builder.saslScram(Map.of())).hasMessageContaining("at least one user");
    assertThatThrownBy(() -> builder.saslScram(Map.of("al ice", "x")))
        .hasMessageContaining("user name must be letters, digits");
    assertThatThrownBy(() -> builder.authorizer("User:alice"))
        .hasMessageContaining("user name must be letters, digits");
  }
}
