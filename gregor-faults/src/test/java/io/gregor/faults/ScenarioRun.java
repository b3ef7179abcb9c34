package io.gregor.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a fault scenario: the history recorder every driver writes to, faults scheduled at
 * time offsets from the start, and at the end the checker's report, appended as a row to the
 * results table with the history written beside it.
 *
 * <pre>{@code
 * try (var run = ScenarioRun.start("S1 broker restart during produce")) {
 *   var producer = new ProducerDriver("producer", settings, run.recorder());
 *   run.at(Duration.ofSeconds(3), "stop broker 0", () -> cluster.stopBroker(0));
 *   ...
 *   run.awaitFaults(Duration.ofSeconds(60));
 *   Report report = run.finish();
 * }
 * }</pre>
 */
final class ScenarioRun implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ScenarioRun.class);

  private final String scenario;
  private final History.Recorder recorder = new History.Recorder();
  private final ScheduledExecutorService faults =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> Thread.ofPlatform().name("fault-schedule").daemon().unstarted(runnable));
  private final List<CompletableFuture<Void>> scheduled = new ArrayList<>();
  private final ConcurrentLinkedQueue<Throwable> faultFailures = new ConcurrentLinkedQueue<>();
  private volatile boolean finished;

  private ScenarioRun(String scenario) {
    this.scenario = scenario;
  }

  /** Starts the clock of a run of {@code scenario} (the name in the results table). */
  static ScenarioRun start(String scenario) {
    log.info("{}: starting the {} version", scenario, FaultProfile.name());
    return new ScenarioRun(scenario);
  }

  /** The time since the run started: faults relative to a moment are at {@code now().plus(...)}. */
  Duration now() {
    return recorder.now();
  }

  History.Recorder recorder() {
    return recorder;
  }

  /** A step or fault, noted in the history (and the log) at the time it happens. */
  void note(String what) {
    log.info("{} at {}: {}", scenario, recorder.now(), what);
    recorder.note(what);
  }

  /**
   * Runs {@code fault} at {@code offset} after the start, on the scenario's one fault thread
   * (faults run one after the other), noting when it starts and ends.
   */
  synchronized void at(Duration offset, String what, Fault fault) {
    var done = new CompletableFuture<Void>();
    scheduled.add(done);
    long delay = Math.max(0, offset.minus(recorder.now()).toNanos());
    faults.schedule(
        () -> {
          note(what);
          try {
            fault.run();
            note(what + ": done");
            done.complete(null);
          } catch (Throwable e) {
            note(what + ": failed with " + e);
            faultFailures.add(e);
            done.completeExceptionally(e);
          }
        },
        delay,
        TimeUnit.NANOSECONDS);
  }

  /** Waits until every scheduled fault has run; fails if one failed or they take too long. */
  void awaitFaults(Duration bound) throws InterruptedException {
    CompletableFuture<?> all;
    synchronized (this) {
      all = CompletableFuture.allOf(scheduled.toArray(CompletableFuture[]::new));
    }
    try {
      all.get(bound.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(scenario + ": the faults did not finish within " + bound, e);
    } catch (ExecutionException e) {
      throw new AssertionError(scenario + ": a fault failed: " + faultFailures, e.getCause());
    }
  }

  /**
   * Checks the history so far, appends the report's row to the results table and writes the history
   * beside it.
   */
  Report finish() {
    finished = true;
    Duration time = recorder.now();
    History history = recorder.history();
    Report report = HistoryChecker.check(history);
    String label = FaultProfile.isLong() ? scenario : scenario + " (short)";
    ResultsFile.append(report.markdownRow(label, time));
    var file = ResultsFile.writeHistory(slug(), history);
    log.info("{}: {} in {} (history: {})", scenario, report, time, file);
    return report;
  }

  private String slug() {
    return (FaultProfile.name() + "-" + scenario)
        .toLowerCase(Locale.ROOT)
        .replaceAll("[^a-z0-9]+", "-")
        .replaceAll("^-|-$", "");
  }

  /** Stops the faults; if the run did not finish (a failed wait), writes its history anyway. */
  @Override
  public void close() {
    faults.shutdownNow();
    if (!finished) {
      var file = ResultsFile.writeHistory(slug(), recorder.history());
      log.warn("{}: did not finish; its history so far: {}", scenario, file);
    }
  }

  /** A fault: anything that may throw. */
  @FunctionalInterface
  interface Fault {
    void run() throws Exception;
  }
}
