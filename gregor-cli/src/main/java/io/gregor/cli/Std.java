package io.gregor.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The standard streams in UTF-8, whatever the platform's locale says: records are UTF-8 text, and a
 * command must pass them through unchanged ({@code System.out} would turn them into {@code ?} under
 * a POSIX locale).
 */
final class Std {
  private static final int BUFFER = 1 << 16;

  private Std() {}

  /** Standard input, as bytes (decoding is the reader's business: it may refuse bad UTF-8). */
  static InputStream in() {
    return new FileInputStream(FileDescriptor.in);
  }

  /** Standard output, buffered: flush when a batch of lines is written. */
  static PrintStream out() {
    return new PrintStream(
        new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), BUFFER),
        false,
        StandardCharsets.UTF_8);
  }

  /** Standard output, flushed at every line: for output a person watches as it comes. */
  static PrintStream outLines() {
    return new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
  }

  /** Standard error, flushed at every line. */
  static PrintStream err() {
    return new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
  }
}
