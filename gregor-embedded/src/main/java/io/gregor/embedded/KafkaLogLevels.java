package io.gregor.embedded;

import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Sets Kafka's log levels: WARN by default (see {@link #QUIET}), INFO when verbose. A broker logs
 * hundreds of INFO lines while it starts; tests and demos want quiet.
 *
 * <p>Kafka logs through SLF4J, so the levels belong to whatever backend the application has. For
 * Logback (the common one, and the CLI's) the levels are set programmatically, except on loggers
 * the application configured itself; a verbose request wins even over those. Other backends keep
 * their own configuration.
 */
final class KafkaLogLevels {
  /**
   * The quiet levels: Kafka's logger roots (Scala server code, Java code, the state-change log) at
   * WARN; at ERROR two loggers that warn on every normal start of an embedded broker (the
   * controller's activation of a new cluster, and Yammer's JMX reporter when several brokers share
   * one JVM's MBean server).
   */
  static final Map<String, String> QUIET =
      Map.of(
          "kafka", "WARN",
          "org.apache.kafka", "WARN",
          "state.change.logger", "WARN",
          "org.apache.kafka.controller.QuorumController", "ERROR",
          "com.yammer.metrics.reporting.JmxReporter", "ERROR");

  private static final String LOGBACK_CONTEXT = "ch.qos.logback.classic.LoggerContext";

  private KafkaLogLevels() {}

  static void apply(boolean verbose) {
    var factory = LoggerFactory.getILoggerFactory();
    // Compare by name: the Logback classes must not load when Logback is absent.
    if (factory.getClass().getName().equals(LOGBACK_CONTEXT)) {
      LogbackLevels.apply(factory, QUIET, verbose);
    }
  }
}
