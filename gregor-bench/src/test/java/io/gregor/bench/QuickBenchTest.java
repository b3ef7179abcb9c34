package io.gregor.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The harness's quick mode as a smoke test: every contender runs once against a real broker and the
 * report is written. It checks that the harness works, never the numbers.
 */
class QuickBenchTest {

  @Test
  void quickRun_measuresEveryContenderAndWritesTheReport()
      throws IOException, InterruptedException {
    // given
    Path root = Path.of("..").toAbsolutePath().normalize();
    Path report = Path.of("target/bench-smoke.md").toAbsolutePath();
    Files.deleteIfExists(report);
    Path log = Path.of("target/bench-smoke.log").toAbsolutePath();
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--sun-misc-unsafe-memory-access=allow",
            "-Dgregor.root=" + root,
            "-cp",
            System.getProperty("java.class.path"),
            Bench.class.getName(),
            "--quick",
            "--out",
            report.toString());

    // when
    Process bench =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean finished = bench.waitFor(5, TimeUnit.MINUTES);
    if (!finished) {
      bench.destroyForcibly();
    }

    // then
    assertThat(finished).as("the quick run finished; its output is in %s", log).isTrue();
    assertThat(bench.exitValue()).as("exit code; output in %s", log).isZero();
    assertThat(Files.readString(report))
        .contains("raw-produce", "gregor-produce", "gregor-produce-data", "reactor-produce")
        .contains("sync-produce")
        .contains("raw-consume", "gregor-consume", "reactor-consume")
        .contains("raw-latency", "gregor-latency")
        .contains("peak heap after full GC")
        .contains("CPU µs per record (whole JVM)")
        .contains("raw-process", "gregor-process", "pc-process")
        .contains("Where the time goes") // latency by stage
        .contains("raw-startup", "gregor-startup")
        .contains("How cost grows (3 brokers)", "| 1,200 |", "| 4 |");
  }
}
