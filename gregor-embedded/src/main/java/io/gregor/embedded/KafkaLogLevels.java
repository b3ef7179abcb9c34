package io.gregor.embedded;

import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Sets Kafka's log levels: WARN by default, INFO when verbose. A broker logs hundreds of INFO lines
 * while it starts; tests and demos want quiet.
 *
 * <p>Kafka logs through SLF4J, so the levels belong to whatever backend the application has. For
 * Logback (the common one, and the CLI's) the levels are set programmatically, except on loggers
 * the application configured itself; a verbose request wins even over those. Other backends keep
 * their own configuration.
 */
final class KafkaLogLevels {
  /** Kafka's logger name roots: Scala server code, Java code, and the state-change log. */
  static final List<String> LOGGERS = List.of("kafka", "org.apache.kafka", "state.change.logger");

  private static final String LOGBACK_CONTEXT = "ch.qos.logback.classic.LoggerContext";

  private KafkaLogLevels() {}

  static void apply(boolean verbose) {
    var factory = LoggerFactory.getILoggerFactory();
    // Compare by name: the Logback classes must not load when Logback is absent.
    if (factory.getClass().getName().equals(LOGBACK_CONTEXT)) {
      LogbackLevels.apply(factory, LOGGERS, verbose);
    }
  }
}
