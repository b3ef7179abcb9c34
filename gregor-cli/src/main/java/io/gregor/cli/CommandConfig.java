package io.gregor.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A Kafka client properties file, as Kafka's own tools take with {@code --command-config}: the
 * security settings of a cluster (TLS, SASL) kept in one file instead of on every command line.
 * Read as {@link Properties} (so {@code key=value}, {@code #} comments and backslash escapes), like
 * Kafka's tools read it.
 */
final class CommandConfig {
  private CommandConfig() {}

  /**
   * The settings in {@code file}.
   *
   * @throws CommandFailure naming the file when it cannot be read
   */
  static Map<String, String> load(Path file) {
    var properties = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(in);
    } catch (NoSuchFileException e) {
      throw cannotRead(file, "no such file");
    } catch (AccessDeniedException e) {
      throw cannotRead(file, "permission denied");
    } catch (IOException | IllegalArgumentException e) {
      throw cannotRead(file, Files.isDirectory(file) ? "it is a directory" : e.getMessage());
    }
    var settings = new LinkedHashMap<String, String>();
    for (String key : properties.stringPropertyNames()) {
      settings.put(key, properties.getProperty(key));
    }
    return settings;
  }

  private static CommandFailure cannotRead(Path file, String why) {
    return new CommandFailure("cannot read --command-config " + file + ": " + why);
  }
}
