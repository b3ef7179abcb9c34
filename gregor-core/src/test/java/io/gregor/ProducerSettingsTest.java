package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Invalid producer settings fail at creation, with a message naming the setting. */
class ProducerSettingsTest {
  private static final ProducerSettings<Message<String, String>, String, String> VALID =
      ProducerSettings.create("localhost:9092", Codecs.string(), Codecs.string());

  static Stream<Arguments> invalidSettings() {
    return Stream.of(
        Arguments.of(
            "no bootstrap servers",
            ProducerSettings.create(Map.of("acks", "all"), Codecs.string(), Codecs.string()),
            "bootstrap.servers"),
        Arguments.of(
            "blank bootstrap servers",
            ProducerSettings.create(" ", Codecs.string(), Codecs.string()),
            "bootstrap.servers"),
        Arguments.of(
            "a Kafka key serializer",
            VALID.withKafka("key.serializer", "org.apache.kafka...StringSerializer"),
            "keySerializer"),
        Arguments.of(
            "a Kafka value serializer",
            VALID.withKafka("value.serializer", "org.apache.kafka...StringSerializer"),
            "valueSerializer"),
        Arguments.of(
            "no key serializer",
            ProducerSettings.create("localhost:9092", null, Codecs.string()),
            "keySerializer"),
        Arguments.of(
            "no value serializer",
            ProducerSettings.create("localhost:9092", Codecs.string(), null),
            "valueSerializer"),
        Arguments.of("input buffer of 0", VALID.withInputBufferSize(0), "inputBufferSize"),
        Arguments.of("output buffer of -1", VALID.withOutputBufferSize(-1), "outputBufferSize"),
        Arguments.of("no messages in flight", VALID.withMaxInFlight(0), "maxInFlight"),
        Arguments.of(
            "too many messages in flight", VALID.withMaxInFlight(Integer.MAX_VALUE), "maxInFlight"),
        Arguments.of("zero close timeout", VALID.withCloseTimeout(Duration.ZERO), "closeTimeout"),
        Arguments.of("no close timeout", VALID.withCloseTimeout(null), "closeTimeout"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidSettings")
  void create_invalidSetting_failsNamingTheSetting(
      String description,
      ProducerSettings<Message<String, String>, String, String> settings,
      String setting) {
    // when / then
    assertThatThrownBy(() -> Producer.create(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + setting + "'");
  }

  @Test
  void create_invalidKafkaConfiguration_failsNamingTheKafkaSetting() {
    // given
    var settings = VALID.withKafka("acks", "maybe");

    // when / then
    assertThatThrownBy(() -> Producer.create(settings))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("acks");
  }

  @Test
  void outputPolicy_alwaysHasEof() {
    // when
    var settings = VALID.withOutputPolicy(EventType.DATA);

    // then
    assertThat(settings.outputPolicy()).containsExactlyInAnyOrder(EventType.DATA, EventType.EOF);
  }
}
