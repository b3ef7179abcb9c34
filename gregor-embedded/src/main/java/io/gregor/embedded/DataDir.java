package io.gregor.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Where a deployment keeps its data: a directory the user gave (kept after close) or a fresh
 * temporary one (deleted on close).
 *
 * @param path the directory; each node has a subdirectory of it
 * @param temporary whether {@link #release} deletes it
 */
record DataDir(Path path, boolean temporary) {

  /**
   * Prepares the directory: creates {@code given} (or a temporary directory when it is null) and
   * checks that files can be written in it.
   *
   * @throws EmbeddedKafkaException when the directory cannot be created or written
   */
  static DataDir prepare(Path given) {
    if (given == null) {
      try {
        var tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(tmp);
        return new DataDir(Files.createTempDirectory(tmp, "gregor-kafka-"), true);
      } catch (IOException e) {
        throw new EmbeddedKafkaException(
            "cannot create a temporary directory for Kafka: " + reason(e), e);
      }
    }
    var dir = given.toAbsolutePath().normalize();
    try {
      Files.createDirectories(dir);
      Files.delete(Files.createTempFile(dir, ".gregor-write-check", ".tmp"));
    } catch (IOException e) {
      throw new EmbeddedKafkaException(
          "data directory " + dir + " is not writable: " + reason(e), e);
    }
    return new DataDir(dir, false);
  }

  /** Deletes the directory if it is temporary; a kept directory is left as it is. */
  void release() {
    if (!temporary) {
      return;
    }
    try {
      deleteRecursively(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path, e);
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (Files.notExists(root)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException failure)
              throws IOException {
            if (failure != null && !(failure instanceof NoSuchFileException)) {
              throw failure;
            }
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** A short human reason: the JDK's messages for these exceptions are often just a path. */
  private static String reason(IOException e) {
    return switch (e) {
      case AccessDeniedException a -> "permission denied (" + a.getFile() + ")";
      case NoSuchFileException n -> "no such file or directory (" + n.getFile() + ")";
      case FileSystemException f when f.getReason() != null ->
          f.getReason() + " (" + f.getFile() + ")";
      default -> e.getMessage();
    };
  }
}
