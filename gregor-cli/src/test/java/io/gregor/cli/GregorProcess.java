package io.gregor.cli;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code gregor} command started as a user starts it: {@code java -jar gregor-cli.jar ...} in
 * its own process, with its own temporary directory. Collects stdout and stderr by lines.
 */
final class GregorProcess implements AutoCloseable {
  private final Process process;
  private final List<String> out = new ArrayList<>();
  private final List<String> err = new ArrayList<>();

  private GregorProcess(Process process) {
    this.process = process;
    collect(process.getInputStream(), out, "stdout");
    collect(process.getErrorStream(), err, "stderr");
  }

  /** Starts {@code gregor args...} with {@code java.io.tmpdir} set to {@code tmpDir}. */
  static GregorProcess start(Path tmpDir, String... args) throws IOException {
    var jar = System.getProperty("gregor.cli.jar");
    if (jar == null) {
      throw new IllegalStateException(
          "system property gregor.cli.jar is not set (run with failsafe)");
    }
    var command =
        new ArrayList<>(
            List.of(
                java(),
                "--sun-misc-unsafe-memory-access=allow",
                "-Djava.io.tmpdir=" + tmpDir,
                "-jar",
                jar));
    command.addAll(List.of(args));
    return new GregorProcess(
        new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.PIPE).start());
  }

  /** Runs {@code gregor args...} to its end. */
  static GregorProcess run(Path tmpDir, String... args) throws IOException {
    var gregor = start(tmpDir, args);
    gregor.awaitExit(Duration.ofSeconds(60));
    return gregor;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Waits for the first line on stdout. */
  String awaitFirstLine(Duration timeout) {
    await("first line on stdout of " + this)
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(50))
        .failFast("gregor exited early: " + this, () -> !process.isAlive() && stdout().isEmpty())
        .until(() -> !stdout().isEmpty());
    return stdout().getFirst();
  }

  /** Sends SIGTERM, as {@code kill} and a service manager do. */
  void terminate() {
    process.destroy();
  }

  int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("gregor did not exit within " + timeout + ": " + this);
      }
      // The readers finish right after the streams close.
      await().atMost(Duration.ofSeconds(10)).until(() -> !readersRunning());
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  int exitCode() {
    return process.exitValue();
  }

  List<String> stdout() {
    synchronized (out) {
      return List.copyOf(out);
    }
  }

  List<String> stderr() {
    synchronized (err) {
      return List.copyOf(err);
    }
  }

  private int readers = 2;

  private synchronized boolean readersRunning() {
    return readers > 0;
  }

  private synchronized void readerDone() {
    readers--;
  }

  private void collect(InputStream stream, List<String> lines, String name) {
    Thread.ofPlatform()
        .daemon()
        .name("gregor-" + name)
        .start(
            () -> {
              try (var reader =
                  new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                  synchronized (lines) {
                    lines.add(line);
                  }
                }
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              } finally {
                readerDone();
              }
            });
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  @Override
  public String toString() {
    return "gregor[pid " + process.pid() + ", stdout=" + stdout() + ", stderr=" + stderr() + "]";
  }
}
