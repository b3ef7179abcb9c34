package io.gregor.embedded;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;

/** The Logback half of {@link KafkaLogLevels}; loaded only when Logback is SLF4J's backend. */
final class LogbackLevels {
  /** Where a context remembers the loggers whose level this class set, to change them again. */
  private static final String OURS = LogbackLevels.class.getName();

  private LogbackLevels() {}

  /**
   * Sets each logger of {@code quiet} to its level, or to INFO when {@code verbose}; leaves alone a
   * logger that has a level the application gave it, unless {@code verbose}.
   */
  static void apply(ILoggerFactory factory, Map<String, String> quiet, boolean verbose) {
    var context = (LoggerContext) factory;
    var ours = ours(context);
    quiet.forEach(
        (name, level) -> {
          var logger = context.getLogger(name);
          if (verbose || logger.getLevel() == null || ours.contains(name)) {
            logger.setLevel(verbose ? Level.INFO : Level.toLevel(level));
            ours.add(name);
          }
        });
  }

  @SuppressWarnings("unchecked")
  private static Set<String> ours(LoggerContext context) {
    synchronized (context) {
      var ours = (Set<String>) context.getObject(OURS);
      if (ours == null) {
        ours = ConcurrentHashMap.newKeySet();
        context.putObject(OURS, ours);
      }
      return ours;
    }
  }
}
