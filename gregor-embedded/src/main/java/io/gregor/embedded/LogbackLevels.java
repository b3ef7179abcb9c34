package io.gregor.embedded;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;

/** The Logback half of {@link KafkaLogLevels}; loaded only when Logback is SLF4J's backend. */
final class LogbackLevels {
  /** Loggers whose level this class set, so a later start may change them again. */
  private static final Set<String> ours = ConcurrentHashMap.newKeySet();

  private LogbackLevels() {}

  static void apply(ILoggerFactory factory, Map<String, String> quiet, boolean verbose) {
    var context = (LoggerContext) factory;
    quiet.forEach(
        (name, level) -> {
          var logger = context.getLogger(name);
          if (verbose || logger.getLevel() == null || ours.contains(name)) {
            logger.setLevel(verbose ? Level.INFO : Level.toLevel(level));
            ours.add(name);
          }
        });
  }
}
