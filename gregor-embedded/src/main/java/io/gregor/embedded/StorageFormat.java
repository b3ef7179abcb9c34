package io.gregor.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import kafka.tools.StorageTool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Formats a node's log directory the way {@code kafka-storage.sh format} does, which a KRaft node
 * needs before its first start. A directory that is already formatted keeps its data.
 */
final class StorageFormat {
  private static final Logger log = LoggerFactory.getLogger(StorageFormat.class);
  private static final String META_PROPERTIES = "meta.properties";

  private StorageFormat() {}

  /** The cluster id recorded in an already formatted log directory. */
  static Optional<String> clusterId(Path logDir) {
    var meta = logDir.resolve(META_PROPERTIES);
    if (!Files.isRegularFile(meta)) {
      return Optional.empty();
    }
    var props = new Properties();
    try (InputStream in = Files.newInputStream(meta)) {
      props.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + meta, e);
    }
    return Optional.ofNullable(props.getProperty("cluster.id"));
  }

  /**
   * Formats the node's log directory with {@code clusterId} unless it is formatted already.
   *
   * @param configFile the node's server configuration, already written
   */
  static void formatIfNeeded(Path logDir, Path configFile, String clusterId) {
    if (clusterId(logDir).isPresent()) {
      return;
    }
    var output = new ByteArrayOutputStream();
    int status;
    // "--cluster-id=..." and not "--cluster-id ...": an id may start with '-'.
    var args = new String[] {"format", "--cluster-id=" + clusterId, "--config=" + configFile};
    try (var out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      status = StorageTool.execute(args, out);
    } catch (Exception e) {
      throw new EmbeddedKafkaException("cannot format Kafka storage in " + logDir + ": " + e, e);
    }
    var text = output.toString(StandardCharsets.UTF_8).strip();
    if (status != 0) {
      throw new EmbeddedKafkaException(
          "cannot format Kafka storage in " + logDir + " (status " + status + "): " + text);
    }
    log.debug("{}", text);
  }
}
