package io.gregor.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class KafkaLogLevelsTest {
  private final LoggerContext logback = new LoggerContext();

  @Test
  void quiet_setsKafkaToWarn_andChattyLoggersToError() {
    // when
    LogbackLevels.apply(logback, KafkaLogLevels.QUIET, false);
    // then
    assertThat(level("kafka")).isEqualTo(Level.WARN);
    assertThat(level("org.apache.kafka")).isEqualTo(Level.WARN);
    assertThat(level("state.change.logger")).isEqualTo(Level.WARN);
    assertThat(level("org.apache.kafka.controller.QuorumController")).isEqualTo(Level.ERROR);
    assertThat(logback.getLogger("org.apache.kafka.clients.NetworkClient").getEffectiveLevel())
        .isEqualTo(Level.WARN);
  }

  @Test
  void verbose_setsInfo_andQuietAgainRestoresWarn() {
    // when
    LogbackLevels.apply(logback, KafkaLogLevels.QUIET, true);
    // then
    assertThat(level("kafka")).isEqualTo(Level.INFO);
    assertThat(level("org.apache.kafka.controller.QuorumController")).isEqualTo(Level.INFO);
    // when
    LogbackLevels.apply(logback, KafkaLogLevels.QUIET, false);
    // then
    assertThat(level("kafka")).isEqualTo(Level.WARN);
  }

  @Test
  void quiet_keepsALevelTheApplicationConfigured() {
    // given
    logback.getLogger("org.apache.kafka").setLevel(Level.DEBUG);
    // when
    LogbackLevels.apply(logback, KafkaLogLevels.QUIET, false);
    // then
    assertThat(level("org.apache.kafka")).isEqualTo(Level.DEBUG);
    assertThat(level("kafka")).isEqualTo(Level.WARN);
  }

  @Test
  void apply_findsLogbackBehindSlf4j() {
    // given: logback-test.xml configures no Kafka logger
    // when
    KafkaLogLevels.apply(false);
    // then
    var global = (LoggerContext) LoggerFactory.getILoggerFactory();
    assertThat(global.getLogger("kafka").getLevel()).isEqualTo(Level.WARN);
  }

  private Level level(String name) {
    return logback.getLogger(name).getLevel();
  }
}
