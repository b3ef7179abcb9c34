package io.gregor.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;

/**
 * The {@code gregor} command run as a user runs it: {@code java -jar gregor-cli.jar ...} in a
 * process of its own, standard input from a file, standard output and error to files (so that a
 * large output never blocks the process on a full pipe).
 */
final class Cli implements AutoCloseable {
  private static final AtomicInteger RUNS = new AtomicInteger();
  private static final Duration RUN_LIMIT = Duration.ofSeconds(120);

  private final Process process;
  private final Path stdout;
  private final Path stderr;
  private final long started = System.nanoTime();

  private Cli(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * What a finished run left; {@code stdout} as text (bytes that are not UTF-8 as U+FFFD), {@code
   * stdoutBytes} as written.
   */
  record Result(int exitCode, String stdout, String stderr, Duration took, byte[] stdoutBytes) {
    List<String> stdoutLines() {
      return stdout.lines().toList();
    }

    List<String> stderrLines() {
      return stderr.lines().toList();
    }

    @Override
    public String toString() {
      return "exit "
          + exitCode
          + " after "
          + took
          + "\n--- stdout\n"
          + stdout
          + "--- stderr\n"
          + stderr;
    }
  }

  /** Runs {@code gregor args...} with this standard input, to its end. */
  static Result runWithInput(Path dir, String stdin, String... args) throws IOException {
    try (var cli = start(dir, stdin, args)) {
      return cli.await(RUN_LIMIT);
    }
  }

  /** Runs {@code gregor args...} with these bytes as standard input, to its end. */
  static Result runWithInputBytes(Path dir, byte[] stdin, String... args) throws IOException {
    try (var cli = start(dir, stdin, false, args)) {
      return cli.await(RUN_LIMIT);
    }
  }

  /** Runs {@code gregor args...} with nothing on standard input, to its end. */
  static Result run(Path dir, String... args) throws IOException {
    return runWithInput(dir, "", args);
  }

  /** Starts {@code gregor args...}; {@code java.io.tmpdir} is {@code dir}. */
  static Cli start(Path dir, String stdin, String... args) throws IOException {
    return start(dir, stdin.getBytes(StandardCharsets.UTF_8), false, args);
  }

  /** Starts {@code gregor args...} with standard input a pipe: see {@link #stdin()}. */
  static Cli startPiped(Path dir, String... args) throws IOException {
    return start(dir, null, true, args);
  }

  private static Cli start(Path dir, byte[] stdin, boolean piped, String... args)
      throws IOException {
    var jar = System.getProperty("gregor.cli.jar");
    if (jar == null) {
      throw new IllegalStateException(
          "system property gregor.cli.jar is not set (run with failsafe)");
    }
    int run = RUNS.incrementAndGet();
    var out = dir.resolve("stdout-" + run);
    var err = dir.resolve("stderr-" + run);
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--sun-misc-unsafe-memory-access=allow"));
    command.addAll(classDataSharing(Path.of(jar), args));
    command.addAll(List.of("-Djava.io.tmpdir=" + dir, "-jar", jar));
    command.addAll(List.of(args));
    var builder =
        new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    if (!piped) {
      var in = Files.write(dir.resolve("stdin-" + run), stdin);
      builder.redirectInput(in.toFile());
    }
    var process = builder.start();
    return new Cli(process, out, err);
  }

  /**
   * As the {@code ./gregor} launcher does: an archive of the classes each subcommand loads, made at
   * its first exit and mapped by later starts (about a second less per process), with the JVM's own
   * messages about it kept off stderr.
   */
  private static List<String> classDataSharing(Path jar, String... args) throws IOException {
    if (args.length == 0 || !args[0].matches("[a-z][a-z-]*")) {
      return List.of();
    }
    var archives = Files.createDirectories(jar.resolveSibling("cds-it"));
    return List.of(
        "-XX:+AutoCreateSharedArchive",
        "-XX:SharedArchiveFile=" + archives.resolve(args[0] + ".jsa"),
        "-Xlog:disable",
        "-Xlog:all=warning:stderr",
        "-Xlog:cds*=off:stderr");
  }

  /** The process's standard input, when started with {@link #startPiped}; close it for EOF. */
  OutputStream stdin() {
    return process.getOutputStream();
  }

  /** What the process has written to stdout so far. */
  String stdout() {
    return read(stdout);
  }

  String stderr() {
    return read(stderr);
  }

  /** Waits until stdout has at least {@code lines} lines. */
  void awaitStdoutLines(int lines, Duration timeout) {
    Awaitility.await("gregor to print " + lines + " lines")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(50))
        .failFast("gregor exited: " + this, () -> !process.isAlive())
        .until(() -> stdout().lines().count() >= lines);
  }

  /**
   * Sends a signal by name ({@code INT}, {@code TERM}), as Ctrl-C or {@code kill} would.
   *
   * <p>A process started from a background non-interactive shell (or under {@code nohup}) inherits
   * SIGINT as ignored, and the JVM then installs no handler for it: a Ctrl-C could never reach it.
   * In that case SIGTERM is sent instead, which runs the same shutdown hooks, so the test still
   * checks the CLI's shutdown rather than its parent shell.
   *
   * @return the exit code a JVM ends with on the signal sent: 130 for INT, 143 for TERM
   */
  int signal(String name) throws IOException, InterruptedException {
    if (name.equals("INT") && ignoresSigint(process.pid())) {
      System.err.println("[Cli] SIGINT is ignored in " + process.pid() + "; sending TERM instead");
      name = "TERM";
    }
    var kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
    if (kill.waitFor() != 0) {
      throw new IllegalStateException("kill -" + name + " failed");
    }
    return switch (name) {
      case "INT" -> 130;
      case "TERM" -> 143;
      default -> throw new IllegalArgumentException("no exit code known for SIG" + name);
    };
  }

  /**
   * Whether Linux says the process ignores SIGINT (signal 2, the SigIgn mask's bit 1); false
   * elsewhere.
   */
  private static boolean ignoresSigint(long pid) throws IOException {
    var status = Path.of("/proc", Long.toString(pid), "status");
    if (!Files.isReadable(status)) {
      return false;
    }
    for (var line : Files.readAllLines(status)) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << 1)) != 0;
      }
    }
    return false;
  }

  Result await(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("gregor did not exit within " + timeout + ": " + this);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return new Result(
        process.exitValue(),
        stdout(),
        stderr(),
        Duration.ofNanos(System.nanoTime() - started),
        bytes(stdout));
  }

  private static String read(Path file) {
    return new String(bytes(file), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      return new byte[0];
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  @Override
  public String toString() {
    return "gregor[pid " + process.pid() + "]\n--- stdout\n" + stdout() + "--- stderr\n" + stderr();
  }
}
