package io.gregor;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * Invalid producer settings fail at creation, with a message naming the setting; settings that
 * quietly weaken delivery are warned about.
 */
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

  @ParameterizedTest(name = "acks={0}")
  @ValueSource(strings = {"0", "1"})
  void create_acksOtherThanAllWithoutAnIdempotenceSetting_warnsThatIdempotenceIsOff(String acks) {
    // given
    var settings = VALID.withKafka("acks", acks);

    // when
    var warnings = warningsWhileCreating(settings);

    // then
    assertThat(warnings)
        .singleElement(as(STRING))
        .contains("idempotence is off")
        .contains("acks=" + acks);
  }

  static Stream<Arguments> idempotenceAsIntended() {
    return Stream.of(
        Arguments.of("Kafka's default acks", VALID),
        Arguments.of("acks=all", VALID.withKafka("acks", "all")),
        Arguments.of("acks=-1", VALID.withKafka("acks", "-1")),
        Arguments.of(
            "acks=1, idempotence off explicitly",
            VALID.withKafka("acks", "1").withKafka("enable.idempotence", "false")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("idempotenceAsIntended")
  void create_idempotenceAsIntended_doesNotWarn(
      String description, ProducerSettings<Message<String, String>, String, String> settings) {
    // when
    var warnings = warningsWhileCreating(settings);

    // then
    assertThat(warnings).isEmpty();
  }

  @Test
  void create_acksOtherThanAllWithIdempotenceOn_failsNamingAcks() {
    // given
    var settings = VALID.withKafka("acks", "1").withKafka("enable.idempotence", "true");

    // when / then
    assertThatThrownBy(() -> Producer.create(settings))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("acks");
  }

  /** The producer's warnings while it is created (and closed). */
  private static List<String> warningsWhileCreating(
      ProducerSettings<Message<String, String>, String, String> settings) {
    var appender = new ListAppender<ILoggingEvent>();
    var logger = (Logger) LoggerFactory.getLogger("io.gregor");
    appender.start();
    logger.addAppender(appender);
    try {
      Producer.create(settings.withCloseTimeout(Duration.ofSeconds(1))).close();
    } finally {
      logger.detachAppender(appender);
    }
    return appender.list.stream()
        .filter(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }
}
