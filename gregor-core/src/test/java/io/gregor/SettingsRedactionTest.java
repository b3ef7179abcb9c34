package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Settings are printed in logs and error reports: their {@code toString()} must not show secrets,
 * whichever way they were given.
 */
class SettingsRedactionTest {
  private static final String SECRET = "s3cr3t-Value";

  /** Kafka's password-typed settings, and keys whose names say they hold secrets. */
  private static final Map<String, Object> SECRETS =
      Map.of(
          "sasl.jaas.config",
          "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\""
              + " password=\""
              + SECRET
              + "\";",
          "ssl.keystore.key",
          "-----BEGIN PRIVATE KEY-----\n" + SECRET + "\n-----END PRIVATE KEY-----",
          "ssl.key.password",
          SECRET + "-key",
          "ssl.keystore.password",
          SECRET + "-keystore",
          "ssl.truststore.password",
          SECRET + "-truststore",
          "basic.auth.user.info",
          "alice:" + SECRET,
          "schema.registry.client.secret",
          SECRET + "-plugin");

  @Test
  void producerSettings_toString_hidesSecrets_andShowsTheRest() {
    // given
    var settings = ProducerSettings.create("localhost:9092", Codecs.string(), Codecs.string());
    for (var secret : SECRETS.entrySet()) {
      settings = settings.withKafka(secret.getKey(), secret.getValue());
    }

    // when
    String text = settings.toString();

    // then
    assertThat(text).doesNotContain(SECRET).doesNotContain("BEGIN PRIVATE KEY");
    assertThat(text)
        .contains("bootstrap.servers=localhost:9092")
        .contains("sasl.jaas.config=[hidden]", "ssl.keystore.key=[hidden]")
        .contains("basic.auth.user.info=[hidden]", "schema.registry.client.secret=[hidden]")
        .contains("maxInFlight=" + ProducerSettings.DEFAULT_MAX_IN_FLIGHT);
    assertThat(settings.kafka()).containsAllEntriesOf(SECRETS); // the client still gets them
  }

  @Test
  void consumerSettings_toString_hidesSecrets_andShowsTheRest() {
    // given
    var settings =
        ConsumerSettings.create("localhost:9092", "billing", Codecs.string(), Codecs.string())
            .withTopics("orders");
    for (var secret : SECRETS.entrySet()) {
      settings = settings.withKafka(secret.getKey(), secret.getValue());
    }

    // when
    String text = settings.toString();

    // then
    assertThat(text).doesNotContain(SECRET).doesNotContain("BEGIN PRIVATE KEY");
    assertThat(text)
        .contains("group.id=billing", "bootstrap.servers=localhost:9092")
        .contains("ssl.truststore.password=[hidden]", "ssl.key.password=[hidden]")
        .contains("orders");
    assertThat(settings.kafka()).containsAllEntriesOf(SECRETS);
  }

  @Test
  void sensitiveSettings_areKafkasPasswordSettings_andNamesThatSaySo() {
    assertThat(SensitiveSettings.isSensitive("sasl.jaas.config")).isTrue();
    assertThat(SensitiveSettings.isSensitive("sasl.oauthbearer.client.credentials.client.secret"))
        .isTrue();
    assertThat(SensitiveSettings.isSensitive("ssl.keystore.key")).isTrue();
    assertThat(SensitiveSettings.isSensitive("my.plugin.Password")).isTrue();
    // Kafka types these as passwords too, though certificates are public
    assertThat(SensitiveSettings.isSensitive("ssl.truststore.certificates")).isTrue();
    assertThat(SensitiveSettings.isSensitive("ssl.truststore.type")).isFalse();
    assertThat(SensitiveSettings.isSensitive("key.serializer")).isFalse();
    assertThat(SensitiveSettings.isSensitive("security.protocol")).isFalse();
  }
}
