package io.gregor.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code target/faults/results.md}: one table row per scenario run, appended, with the header
 * written when the file is new; and each run's history beside it, for evidence. The table can be
 * pasted into docs/reliability.md.
 */
final class ResultsFile {
  private static final Object LOCK = new Object();

  private ResultsFile() {}

  /** The results table (system property {@code gregor.faults.results}, set by the build). */
  static Path table() {
    return Path.of(System.getProperty("gregor.faults.results", "target/faults/results.md"));
  }

  /** Appends a row for a run, with the header first if the table is new. */
  static void append(String row) {
    synchronized (LOCK) {
      try {
        Path table = table();
        Files.createDirectories(table.toAbsolutePath().getParent());
        if (!Files.exists(table)) {
          Files.writeString(table, Report.markdownHeader(), StandardCharsets.UTF_8);
        }
        Files.writeString(table, row, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Writes a run's history (one entry a line) next to the table; returns where. */
  static Path writeHistory(String slug, History history) {
    Path file = table().toAbsolutePath().getParent().resolve(slug + "-history.txt");
    var text = new StringBuilder();
    for (Entry entry : history.entries()) {
      text.append(entry).append('\n');
    }
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }
}
