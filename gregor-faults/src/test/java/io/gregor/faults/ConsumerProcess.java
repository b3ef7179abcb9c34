package io.gregor.faults;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer session in a child JVM ({@link KilledConsumerMain}, or {@link ProcessingConsumerMain},
 * which speaks the same lines), seen from the test: a reader thread records each line the child
 * reports in the history as it arrives (a record as consumed under the session's name, a rebalance
 * or error as a note). The child's logs (its standard error) go to a file beside the results table.
 *
 * <p>{@link #kill} ends the child with SIGKILL ({@link Process#destroyForcibly()} on Linux): no
 * close, no commit, no leaving the group. {@link #closeGracefully} ends its standard input, on
 * which the child closes its consumer and exits. {@link #close} kills the child if it still runs,
 * so that a failing test leaves nothing running.
 */
final class ConsumerProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConsumerProcess.class);

  private final String name;
  private final History.Recorder recorder;
  private final Process process;
  private final Thread reader;
  private final Path logFile;
  private final AtomicInteger read = new AtomicInteger();
  private final Set<String> ids = ConcurrentHashMap.newKeySet();
  private final List<String> errors = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
  private volatile boolean assigned;

  private ConsumerProcess(String name, History.Recorder recorder, Process process, Path logFile) {
    this.name = name;
    this.recorder = recorder;
    this.process = process;
    this.logFile = logFile;
    this.reader = Thread.ofVirtual().name(name + "-reader").start(this::readLines);
  }

  /**
   * Starts a child JVM running {@link KilledConsumerMain} with {@code args}, on this JVM's java
   * binary and class path (the tests run on the class path), its logs in {@code logFile}.
   */
  static ConsumerProcess start(
      String name, History.Recorder recorder, Path logFile, List<String> args) throws IOException {
    return start(name, recorder, logFile, KilledConsumerMain.class, args);
  }

  /** Starts a child JVM running {@code main} with {@code args}, as {@link #start} does. */
  static ConsumerProcess start(
      String name, History.Recorder recorder, Path logFile, Class<?> main, List<String> args)
      throws IOException {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElseThrow(() -> new IllegalStateException("this JVM's java binary is not known"));
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("-Xmx256m");
    command.add("-XX:+UseSerialGC");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(args);
    Files.createDirectories(logFile.toAbsolutePath().getParent());
    Process process =
        new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.to(logFile.toFile()))
            .start();
    recorder.note(name + ": child JVM started, pid " + process.pid() + ", logs in " + logFile);
    return new ConsumerProcess(name, recorder, process, logFile);
  }

  private void readLines() {
    try (var lines =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        String[] fields = line.split(" ", 2);
        switch (fields[0]) {
          case "RECORD" -> record(line);
          case "ERROR" -> {
            errors.add(fields[1]);
            recorder.note(name + ": error " + fields[1]);
          }
          case "CLOSED" -> {
            closed = true;
            recorder.note(name + ": closed");
          }
          case "ASSIGNED" -> {
            assigned = true;
            recorder.note(name + ": " + line);
          }
          default -> recorder.note(name + ": " + line);
        }
      }
    } catch (IOException e) {
      recorder.note(name + ": reading the child's output failed: " + e);
    }
  }

  private void record(String line) {
    // RECORD id key partition offset
    String[] fields = line.split(" ");
    if (fields.length != 5) {
      recorder.note(name + ": a malformed line: " + line);
      return;
    }
    recorder.consumed(
        fields[1], fields[2], Integer.parseInt(fields[3]), Long.parseLong(fields[4]), name);
    ids.add(fields[1]);
    read.incrementAndGet();
  }

  String name() {
    return name;
  }

  /** Records reported so far, counting redeliveries. */
  int read() {
    return read.get();
  }

  /** Whether the child has reported {@code id}. */
  boolean hasRead(String id) {
    return ids.contains(id);
  }

  /** Waits until the child's consumer has been assigned partitions; fails after {@code bound}. */
  void awaitAssigned(Duration bound) {
    Waits.until(name + " is assigned partitions", bound, () -> assigned);
  }

  /** The child's error events, as {@code kind message}. */
  List<String> errors() {
    return List.copyOf(errors);
  }

  /**
   * Kills the child with SIGKILL and waits, at most {@code bound}, until it is gone and every line
   * it wrote before has been recorded.
   */
  void kill(Duration bound) throws InterruptedException {
    process.destroyForcibly();
    awaitEnd("killed", bound);
  }

  /**
   * Ends the child's standard input (it closes its consumer: commits what was received and leaves
   * the group) and waits, at most {@code bound}, until it has exited normally.
   */
  void closeGracefully(Duration bound) throws InterruptedException, IOException {
    process.getOutputStream().close();
    awaitEnd("closed", bound);
    if (process.exitValue() != 0 || !closed) {
      throw new AssertionError(
          name
              + ": the child exited with "
              + process.exitValue()
              + (closed ? "" : " without closing its consumer")
              + "; logs in "
              + logFile);
    }
  }

  private void awaitEnd(String how, Duration bound) throws InterruptedException {
    if (!process.waitFor(bound.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new AssertionError(name + ": the child was not gone within " + bound + " of " + how);
    }
    if (!reader.join(bound)) {
      throw new AssertionError(name + ": its output did not end within " + bound + " of " + how);
    }
    recorder.note(name + ": child JVM " + how + ", exit code " + process.exitValue());
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      log.warn("{}: still running at the end of the test; killing it", name);
      process.destroyForcibly();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          log.error("{}: pid {} did not end within 30 s of SIGKILL", name, process.pid());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    reader.interrupt();
  }
}
