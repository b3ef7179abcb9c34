package io.gregor.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options every command that talks to Kafka shares: where it is, how long to wait for it, extra
 * client settings. Kafka's own timeouts are derived from {@code --timeout}, so that an unreachable
 * or unhelpful broker gives a clear message within a bounded time, never a hang.
 */
final class KafkaOptions {
  /** The default of {@code --timeout}: long enough for a busy broker, short enough for a person. */
  static final String DEFAULT_TIMEOUT = "10s";

  private static final Pattern HOST_PORT =
      Pattern.compile("[^\\s,:]+:\\d{1,5}|\\[[0-9a-fA-F:.]+]:\\d{1,5}");

  @Spec(Spec.Target.MIXEE)
  private CommandSpec spec;

  @Option(
      names = {"-b", "--bootstrap"},
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:9092",
      description =
          "Kafka's bootstrap servers (HOST:PORT[,HOST:PORT...]). Default: ${DEFAULT-VALUE}.")
  private String bootstrap;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = DEFAULT_TIMEOUT,
      converter = Durations.Converter.class,
      description =
          "How long to wait for Kafka: to connect, for metadata, for each request"
              + " (e.g. 10s, 500ms, 1m). Default: ${DEFAULT-VALUE}.")
  private Duration timeout;

  @Option(
      names = {"-F", "--command-config"},
      paramLabel = "FILE",
      description =
          "A Kafka client properties file (as Kafka's own tools take), e.g. a cluster's TLS and"
              + " SASL settings. Its settings apply before -X, which override them.")
  private Path commandConfig;

  @Option(
      names = {"-X", "--kafka"},
      paramLabel = "KEY=VALUE",
      description =
          "A Kafka client setting, passed through (repeatable), e.g. -X security.protocol=SSL;"
              + " overrides --command-config.")
  private List<String> settings = new ArrayList<>();

  /**
   * {@link #settings} by key, made by {@link #validate()} (picocli's own map options word their
   * errors badly: "option option '--kafka'").
   */
  private final Map<String, String> extra = new LinkedHashMap<>();

  /** The settings of {@link #commandConfig}, read by {@link #validate()}. */
  private Map<String, String> fileSettings = Map.of();

  @Option(names = "--verbose", description = "Show the Kafka client's logs on stderr.")
  private boolean verbose;

  /** Options made in code (for a command with options of its own), not from a command line. */
  static KafkaOptions of(String bootstrap, Duration timeout) {
    return of(bootstrap, timeout, null);
  }

  /**
   * As {@link #of(String, Duration)}, with a {@code --command-config} file (or null).
   *
   * @throws CommandFailure when the file cannot be read
   */
  static KafkaOptions of(String bootstrap, Duration timeout, Path commandConfig) {
    var options = new KafkaOptions();
    options.bootstrap = bootstrap;
    options.timeout = timeout;
    options.commandConfig = commandConfig;
    options.fileSettings = commandConfig == null ? Map.of() : CommandConfig.load(commandConfig);
    return options;
  }

  String bootstrap() {
    return bootstrap;
  }

  Duration timeout() {
    return timeout;
  }

  /**
   * Checks the options, a bad one being a usage error (exit code 2), and reads the {@code
   * --command-config} file.
   *
   * @throws CommandFailure naming the file when it cannot be read (exit code 1)
   */
  void validate() {
    if (!isBootstrap(bootstrap)) {
      throw usage(bootstrapUsage(bootstrap));
    }
    if (!timeout.isPositive()) {
      throw usage("--timeout must be positive, was " + Durations.format(timeout));
    }
    for (String setting : settings) {
      int at = setting.indexOf('=');
      if (at < 1) {
        throw usage("-X must be KEY=VALUE (e.g. -X security.protocol=SSL), was '" + setting + "'");
      }
      extra.put(setting.substring(0, at).trim(), setting.substring(at + 1));
    }
    if (commandConfig != null) {
      fileSettings = CommandConfig.load(commandConfig);
    }
    warnUnknownSettings();
  }

  /**
   * A {@code -X} key Kafka's client does not know is passed on (Kafka ignores it, and a plugin may
   * read it), with a warning: it is usually a typo. The client is the command's own: the producer
   * for {@code produce}, the consumer for {@code consume}, the Admin client otherwise.
   */
  private void warnUnknownSettings() {
    if (spec == null) {
      return; // options made in code
    }
    String command = spec.name();
    Set<String> known =
        switch (command) {
          case "produce" -> ProducerConfig.configNames();
          case "consume" -> ConsumerConfig.configNames();
          default -> AdminClientConfig.configNames();
        };
    String client =
        switch (command) {
          case "produce" -> "producer";
          case "consume" -> "consumer";
          default -> "Admin client";
        };
    for (String key : extra.keySet()) {
      if (!known.contains(key)) {
        Std.err()
            .println(
                spec.qualifiedName()
                    + ": warning: -X "
                    + key
                    + " is not a Kafka "
                    + client
                    + " setting; passed on all the same"
                    + closest(key, known).map(k -> " (did you mean " + k + "?)").orElse(""));
      }
    }
  }

  /** The known key nearest to {@code key}, when it is a likely typo of it (2 edits at most). */
  static Optional<String> closest(String key, Set<String> known) {
    String best = null;
    int bestDistance = 3;
    for (String candidate : known) {
      int distance = editDistance(key, candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return Optional.ofNullable(best);
  }

  private static int editDistance(String a, String b) {
    if (Math.abs(a.length() - b.length()) > 2) {
      return 3;
    }
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  /** Whether {@code servers} is HOST:PORT[,HOST:PORT...]. */
  static boolean isBootstrap(String servers) {
    for (String server : servers.split(",", -1)) {
      if (!HOST_PORT.matcher(server.trim()).matches()) {
        return false;
      }
    }
    return true;
  }

  static String bootstrapUsage(String servers) {
    return "--bootstrap must be HOST:PORT[,HOST:PORT...], e.g. 127.0.0.1:9092; was '"
        + servers
        + "'";
  }

  ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /**
   * The Kafka client's own logs are noise to a command line user (a broker that is down makes it
   * warn every second); every failure reaches the command as an event or an exception, which it
   * prints as one line. {@code --verbose} shows them.
   */
  void configureLogging() {
    configureLogging(verbose);
  }

  /** See {@link #configureLogging()}. */
  static void configureLogging(boolean verbose) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logback) {
      Level level = verbose ? Level.INFO : Level.OFF;
      for (String name : List.of("org.apache.kafka", "kafka", "state.change.logger", "io.gregor")) {
        logback.getLogger(name).setLevel(level);
      }
    }
  }

  /**
   * Settings every client gets: the bootstrap servers and bounded timeouts; then a client's own
   * defaults, and last {@link #userSettings} (the file, then {@code -X}).
   */
  private Map<String, Object> common(String clientId) {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrap);
    config.put("client.id", clientId);
    config.put("request.timeout.ms", millis(timeout));
    config.put("default.api.timeout.ms", millis(timeout));
    config.put("socket.connection.setup.timeout.max.ms", millis(timeout));
    config.put("socket.connection.setup.timeout.ms", Math.min(millis(timeout), 10_000));
    return config;
  }

  /** Admin client settings. */
  Map<String, Object> admin() {
    Map<String, Object> config = common("gregor-cli-admin");
    return userSettings(config);
  }

  /**
   * Producer settings: sending blocks for metadata at most {@code --timeout} ({@code
   * max.block.ms}); a record not acknowledged within three timeouts fails ({@code
   * delivery.timeout.ms}).
   */
  Map<String, Object> producer(String clientId) {
    Map<String, Object> config = common(clientId);
    config.put("max.block.ms", millis(timeout));
    config.put("delivery.timeout.ms", deliveryTimeoutMillis());
    config.put("linger.ms", 5);
    return userSettings(config);
  }

  /** Consumer settings. */
  Map<String, Object> consumer(String clientId) {
    Map<String, Object> config = common(clientId);
    return userSettings(config);
  }

  /** The value the user gave a client setting ({@code -X} over the file), or null. */
  String userSetting(String key) {
    return extra.containsKey(key) ? extra.get(key) : fileSettings.get(key);
  }

  /** {@code config} with the {@code --command-config} file's settings, then {@code -X}'s. */
  private Map<String, Object> userSettings(Map<String, Object> config) {
    config.putAll(fileSettings);
    config.putAll(extra);
    return config;
  }

  /** How long a record may take to be acknowledged: three timeouts, and more than linger + one. */
  int deliveryTimeoutMillis() {
    return Math.toIntExact(Math.min(Integer.MAX_VALUE, 3 * millis(timeout) + 5));
  }

  static int millis(Duration duration) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, duration.toMillis()));
  }
}
