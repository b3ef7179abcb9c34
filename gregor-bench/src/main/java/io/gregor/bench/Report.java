package io.gregor.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Writes a run's tables into the Markdown file between {@code <!-- results:start -->} and {@code
 * <!-- results:end -->} (the text around them, such as the analysis, is kept), and every
 * measurement as CSV next to it.
 */
final class Report {
  private static final String START = "<!-- results:start -->";
  private static final String END = "<!-- results:end -->";

  /** The Parallel Consumer contender's versions (gregor-bench-pc's pom). */
  private static final String PARALLEL_CONSUMER = "0.5.3.3";

  private static final String PARALLEL_CONSUMER_KAFKA = "3.9.1";

  private final Bench.Options options;
  private final List<Bench.Row> rows;
  private final Duration took;
  private final StringBuilder md = new StringBuilder();

  Report(Bench.Options options, List<Bench.Row> rows, Duration took) {
    this.options = options;
    this.rows = rows;
    this.took = took;
  }

  void write() throws IOException {
    header();
    for (int partitions : List.of(1, 6)) {
      throughput(
          "produce-p" + partitions,
          "Produce, " + partitions + " partition" + (partitions > 1 ? "s" : ""),
          "raw-produce",
          Map.of("gregor-produce", 0.95, "gregor-produce-data", 0.90));
    }
    for (int partitions : List.of(1, 6)) {
      throughput(
          "consume-p" + partitions,
          "Consume, " + partitions + " partition" + (partitions > 1 ? "s" : ""),
          "raw-consume",
          Map.of("gregor-consume", 0.95));
    }
    latency();
    memory();
    process();
    startup();
    scale();
    micro();
    Path out = options.out().toAbsolutePath();
    Files.createDirectories(out.getParent());
    String existing = Files.exists(out) ? Files.readString(out) : "";
    String block = START + "\n" + md + END;
    String text;
    int start = existing.indexOf(START);
    int end = existing.indexOf(END);
    if (start >= 0 && end > start) {
      text = existing.substring(0, start) + block + existing.substring(end + END.length());
    } else {
      text = "# Benchmarks\n\n" + block + "\n" + existing;
    }
    Files.writeString(out, text);
    Files.writeString(csvPath(out), csv());
  }

  private static Path csvPath(Path markdown) {
    String name = markdown.getFileName().toString().replaceFirst("\\.md$", "");
    return markdown.resolveSibling(name + ".csv");
  }

  private void header() {
    long memory =
        ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getTotalMemorySize();
    md.append("Run of ")
        .append(LocalDate.now())
        .append(options.quick() ? " (quick mode: smoke numbers only)" : "")
        .append(", ")
        .append(took.toMinutes())
        .append(" min ")
        .append(took.toSecondsPart())
        .append(" s.\n\n");
    md.append("| | |\n|---|---|\n");
    md.append("| machine | ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores, ")
        .append(Math.round(memory / (1024.0 * 1024 * 1024)))
        .append(" GiB |\n");
    md.append("| JDK | ")
        .append(System.getProperty("java.vendor"))
        .append(' ')
        .append(System.getProperty("java.version"))
        .append(" |\n");
    md.append("| Kafka | broker and clients ")
        .append(kafkaVersion())
        .append(" (Reactor Kafka: kafka-clients 3.6.0; Parallel Consumer ")
        .append(PARALLEL_CONSUMER)
        .append(": kafka-clients ")
        .append(PARALLEL_CONSUMER_KAFKA)
        .append("; each in its own JVM) |\n");
    md.append("| records | ")
        .append(options.records())
        .append(" × ")
        .append(Contender.VALUE_SIZE)
        .append(" B values, no key; consume: ")
        .append(options.consumeRecords())
        .append(
            options.warmUp()
                ? " a pass, measured after passes until the JIT is quiet; send-then-wait: "
                : " (cold); send-then-wait: ")
        .append(options.syncRecords())
        .append(" |\n");
    md.append(
        "| producer | acks=all, linger.ms=5, batch.size=65536, no compression (latency: linger.ms=0) |\n");
    md.append("| consumer | Kafka defaults, assigned partitions read from the beginning |\n");
    md.append("| rounds | ")
        .append(options.rounds())
        .append(", contenders alternating; each run in a fresh JVM (-Xmx1g, G1) |\n");
    md.append("| command | `./gregor bench")
        .append(options.quick() ? " --quick" : "")
        .append("` |\n\n");
  }

  private static String kafkaVersion() {
    var properties = new java.util.Properties();
    try (var in = Report.class.getResourceAsStream("/kafka/kafka-version.properties")) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      return "unknown";
    }
    return properties.getProperty("version", "unknown");
  }

  private List<Bench.Row> rowsOf(String measure) {
    return rows.stream().filter(row -> row.measure().equals(measure)).toList();
  }

  private Map<String, List<Bench.Row>> byContender(String measure) {
    Map<String, List<Bench.Row>> grouped = new LinkedHashMap<>();
    for (Bench.Row row : rowsOf(measure)) {
      grouped.computeIfAbsent(row.contender(), key -> new ArrayList<>()).add(row);
    }
    return grouped;
  }

  private static Stats stats(List<Bench.Row> rows, Function<Bench.Row, Double> metric) {
    return Stats.of(rows.stream().map(metric).toList());
  }

  private void throughput(
      String measure, String title, String baseline, Map<String, Double> targets) {
    Map<String, List<Bench.Row>> grouped = byContender(measure);
    if (grouped.isEmpty()) {
      return;
    }
    List<Bench.Row> base = grouped.getOrDefault(baseline, List.of());
    md.append("### ").append(title).append("\n\n");
    md.append(
        "| contender | records/s median (min–max) | MB/s median | ratio to raw, same round: median"
            + " (min–max) | heap B allocated per record, median | CPU µs per record (whole JVM),"
            + " median | target |\n");
    md.append("|---|---|---|---|---|---|---|\n");
    grouped.forEach(
        (contender, list) -> {
          Stats rate = stats(list, row -> row.number("recordsPerSec"));
          Stats mb = stats(list, row -> row.number("mbPerSec"));
          List<Double> ratios = new ArrayList<>();
          for (Bench.Row row : list) {
            base.stream()
                .filter(b -> b.round() == row.round())
                .findFirst()
                .ifPresent(
                    b -> ratios.add(row.number("recordsPerSec") / b.number("recordsPerSec")));
          }
          Stats ratio = Stats.of(ratios);
          boolean reference = contender.equals("sync-produce");
          Double target = targets.get(contender);
          md.append("| ")
              .append(contender)
              .append(reference ? " (" + list.getFirst().values().get("records") + " records)" : "")
              .append(contender.startsWith("reactor") ? " ⚠ kafka-clients 3.6" : "")
              .append(" | ")
              .append(String.format("%,.0f (%,.0f–%,.0f)", rate.median(), rate.min(), rate.max()))
              .append(" | ")
              .append(String.format("%.1f", mb.median()))
              .append(" | ")
              .append(
                  contender.equals(baseline)
                      ? "1.00"
                      : ratio.count() == 0
                          ? "–"
                          : String.format(
                              "%.2f (%.2f–%.2f)", ratio.median(), ratio.min(), ratio.max()))
              .append(" | ")
              .append(
                  list.stream().allMatch(row -> row.values().containsKey("allocBytesPerRecord"))
                      ? String.format(
                          "%.0f", stats(list, row -> row.number("allocBytesPerRecord")).median())
                      : "–")
              .append(" | ")
              .append(
                  list.stream().allMatch(row -> row.values().containsKey("cpuMicrosPerRecord"))
                      ? String.format(
                          "%.2f", stats(list, row -> row.number("cpuMicrosPerRecord")).median())
                      : "–")
              .append(" | ")
              .append(
                  target == null
                      ? ""
                      : String.format(
                          "≥ %.2f: %s", target, ratio.median() >= target ? "met" : "**missed**"))
              .append(" |\n");
        });
    md.append('\n');
  }

  private void latency() {
    Map<String, List<Bench.Row>> grouped = byContender("latency");
    if (grouped.isEmpty()) {
      return;
    }
    md.append("### End-to-end latency, ")
        .append(options.latencyRate())
        .append(" msg/s for ")
        .append(options.latencySeconds())
        .append(" s per contender and round\n\n");
    md.append(
        "Medians over the rounds; each round runs every contender once, in a fresh JVM, in"
            + " alternating order.\n\n");
    md.append(
        "| contender | p50 µs | p99 µs | p99.9 µs | max µs | rounds | p99 difference to raw,"
            + " same round: median (min–max) µs | target |\n|---|---|---|---|---|---|---|---|\n");
    List<Bench.Row> raw = grouped.getOrDefault("raw-latency", List.of());
    grouped.forEach(
        (contender, list) -> {
          List<Double> differences = sameRoundDifferences(list, raw, "p99us");
          boolean isRaw = contender.equals("raw-latency");
          Stats difference = Stats.of(differences);
          md.append(
              String.format(
                  "| %s | %.0f | %.0f | %.0f | %.0f | %d | %s | %s |%n",
                  contender,
                  stats(list, row -> row.number("p50us")).median(),
                  stats(list, row -> row.number("p99us")).median(),
                  stats(list, row -> row.number("p999us")).median(),
                  stats(list, row -> row.number("maxus")).median(),
                  list.size(),
                  isRaw || differences.isEmpty()
                      ? "–"
                      : String.format(
                          "%+.0f (%+.0f–%+.0f)",
                          difference.median(), difference.min(), difference.max()),
                  isRaw || differences.isEmpty()
                      ? ""
                      : "≤ raw + 1000 µs: "
                          + (difference.median() <= 1000 ? "met" : "**missed**")));
        });
    md.append('\n');
    if (grouped.values().stream()
        .flatMap(List::stream)
        .noneMatch(r -> r.values().containsKey("sendP50us"))) {
      return;
    }
    md.append(
        "Where the time goes, p50 / p99 in µs of each stage (median over the rounds): **accept**"
            + " from the message's due time to the caller's send returning (a late sender counts:"
            + " latency runs from the schedule, without coordinated omission), **send** to Kafka's"
            + " producer taking it (an interceptor's `onSend`), **ack** from there to the broker's"
            + " acknowledgement, **poll** from `onSend` to Kafka's consumer returning it (an"
            + " interceptor's `onConsume`), **deliver** from there to the reader having it.\n\n");
    md.append("| contender | accept | send | ack | poll | deliver |\n|---|---|---|---|---|---|\n");
    grouped.forEach(
        (contender, list) -> {
          md.append("| ").append(contender);
          for (String stage : List.of("accept", "send", "ack", "poll", "deliver")) {
            md.append(
                String.format(
                    " | %.1f / %.1f",
                    stats(list, row -> row.number(stage + "P50us")).median(),
                    stats(list, row -> row.number(stage + "P99us")).median()));
          }
          md.append(" |\n");
        });
    md.append('\n');
  }

  private void memory() {
    List<Bench.Row> memory =
        rows.stream().filter(row -> row.measure().startsWith("memory-backlog-")).toList();
    if (memory.isEmpty()) {
      return;
    }
    md.append("### Memory under a slow reader (1 ms of work per record, ")
        .append(options.memorySeconds())
        .append(" s, max.poll.interval.ms=10 s, -Xmx512m)\n\n");
    md.append(
        "| backlog | records read | peak heap after full GC (MiB) | evicted from the group |\n"
            + "|---|---|---|---|\n");
    for (Bench.Row row : memory) {
      md.append(
          String.format(
              "| %,d | %s | %s | %s |%n",
              Integer.parseInt(row.measure().substring("memory-backlog-".length())),
              row.values().get("records"),
              row.values().get("peakHeapAfterGcMiB"),
              row.values().get("evicted")));
    }
    md.append("\nTarget: peak heap flat in the backlog's size; no eviction.\n\n");
  }

  private void process() {
    Map<String, List<Bench.Row>> grouped = byContender("process");
    if (grouped.isEmpty()) {
      return;
    }
    List<Bench.Row> bound = grouped.getOrDefault("raw-process", List.of());
    int keys = options.processKeys();
    md.append("### Processing in parallel, ordered by key (1 ms of work per record)\n\n");
    md.append(
        String.format(
            "Workload: %,d records of %d B, keyed round robin over %,d keys, in %d partitions,"
                + " written before the rounds; every contender reads them all from the start in a"
                + " new group. Each handler checks its key's order, sleeps 1 ms"
                + " (`Thread.sleep(1)`) and counts the record; records/s runs from the first"
                + " handler's start to the end of the handler completing the last distinct"
                + " record (group join and close excluded). An order violation is a record started"
                + " after a later record of its key and partition. The raw and Gregor contenders"
                + " first run unmeasured passes until the JIT is quiet, then add up 5 measured"
                + " passes (each in a new group; violations and duplicates are those of all 5);"
                + " Parallel Consumer runs one pass, cold. Machine: the one"
                + " above (%d cores); each contender in a fresh JVM (-Xmx1g, G1), rounds"
                + " alternating the contenders.%n%n",
            options.processRecords(),
            Contender.VALUE_SIZE,
            keys,
            Bench.PROCESS_PARTITIONS,
            Runtime.getRuntime().availableProcessors()));
    md.append(
        String.format(
            "- **raw-process** (the upper bound): a `KafkaConsumer` poll loop starting a virtual"
                + " thread per record, unordered, no commits.%n"
                + "- **gregor-process**: `Consumer.process(Ordering.KEY, %,d, handler)` (as many"
                + " handlers at once as keys: KEY ordering never runs two of one key), virtual"
                + " threads, `withAcknowledgements(Acknowledgements.defaults())`: commits after"
                + " acknowledgement, at most 10,000 records unacknowledged, a commit every 1,000"
                + " acknowledgements.%n"
                + "- **pc-process**: Confluent Parallel Consumer %s on kafka-clients %s in its own"
                + " JVM, `ProcessingOrder.KEY`, `maxConcurrency` %,d (platform threads: its"
                + " worker pool), `CommitMode.PERIODIC_CONSUMER_ASYNCHRONOUS` (its default).%n%n",
            keys, PARALLEL_CONSUMER, PARALLEL_CONSUMER_KAFKA, keys));
    md.append(
        "| contender | records/s median (min–max) | ratio to raw-process, same round: median"
            + " (min–max) | order violations (all rounds) | handled, fewest of a round |"
            + " duplicates (all rounds) | target |\n");
    md.append("|---|---|---|---|---|---|---|\n");
    grouped.forEach(
        (contender, list) -> {
          Stats rate = stats(list, row -> row.number("recordsPerSec"));
          List<Double> ratios = new ArrayList<>();
          for (Bench.Row row : list) {
            bound.stream()
                .filter(b -> b.round() == row.round())
                .findFirst()
                .ifPresent(
                    b -> ratios.add(row.number("recordsPerSec") / b.number("recordsPerSec")));
          }
          Stats ratio = Stats.of(ratios);
          long violations =
              list.stream().mapToLong(row -> (long) row.number("orderViolations")).sum();
          long duplicates = list.stream().mapToLong(row -> (long) row.number("duplicates")).sum();
          long handled =
              list.stream().mapToLong(row -> (long) row.number("records")).min().orElse(0);
          String target =
              switch (contender) {
                case "raw-process" -> "unordered: violations expected";
                case "gregor-process" ->
                    String.format(
                        "≥ 0.95 and 0 violations: %s",
                        ratio.median() >= 0.95 && violations == 0 ? "met" : "**missed**");
                default -> "0 violations: " + (violations == 0 ? "met" : "**missed**");
              };
          md.append(
              String.format(
                  "| %s | %,.0f (%,.0f–%,.0f) | %s | %d | %,d of %,d | %d | %s |%n",
                  contender
                      + (contender.startsWith("pc-")
                          ? " ⚠ kafka-clients " + PARALLEL_CONSUMER_KAFKA
                          : ""),
                  rate.median(),
                  rate.min(),
                  rate.max(),
                  contender.equals("raw-process")
                      ? "1.00"
                      : ratio.count() == 0
                          ? "–"
                          : String.format(
                              "%.2f (%.2f–%.2f)", ratio.median(), ratio.min(), ratio.max()),
                  violations,
                  handled,
                  options.processRecords(),
                  duplicates,
                  target));
        });
    md.append('\n');
  }

  /** Per round, {@code metric} of each row minus the raw row's of the same round. */
  private static List<Double> sameRoundDifferences(
      List<Bench.Row> rows, List<Bench.Row> raw, String metric) {
    List<Double> differences = new ArrayList<>();
    for (Bench.Row row : rows) {
      raw.stream()
          .filter(r -> r.round() == row.round())
          .findFirst()
          .ifPresent(r -> differences.add(row.number(metric) - r.number(metric)));
    }
    return differences;
  }

  private void startup() {
    Map<String, List<Bench.Row>> grouped = byContender("startup");
    if (grouped.isEmpty()) {
      return;
    }
    List<Bench.Row> raw = grouped.getOrDefault("raw-startup", List.of());
    md.append("### Start-up: creation to first assignment\n\n");
    md.append(
        "A consumer in a new group subscribes to an existing topic of 6 partitions; the time runs"
            + " from just before its creation to the first assignment: Kafka's rebalance listener"
            + " for the raw client (polling every 100 ms), the reader taking the ASSIGNED event"
            + " for Gregor. Each contender in a fresh JVM (class loading included for both),"
            + " rounds alternating.\n\n");
    md.append(
        "| contender | ms median (min–max) | difference to raw, same round: median (min–max) |"
            + " target |\n|---|---|---|---|\n");
    grouped.forEach(
        (contender, list) -> {
          Stats millis = stats(list, row -> row.number("millis"));
          List<Double> differences = sameRoundDifferences(list, raw, "millis");
          Stats difference = Stats.of(differences);
          boolean isRaw = contender.equals("raw-startup");
          md.append(
              String.format(
                  "| %s | %.0f (%.0f–%.0f) | %s | %s |%n",
                  contender,
                  millis.median(),
                  millis.min(),
                  millis.max(),
                  isRaw
                      ? "–"
                      : String.format(
                          "%+.0f ms (%+.0f–%+.0f)",
                          difference.median(), difference.min(), difference.max()),
                  isRaw
                      ? ""
                      : "≤ raw + 100 ms: " + (difference.median() <= 100 ? "met" : "**missed**")));
        });
    md.append('\n');
  }

  private void scale() {
    if (rows.stream().noneMatch(row -> row.measure().startsWith("scale-"))) {
      return;
    }
    md.append("### How cost grows (3 brokers)\n\n");
    md.append(
        "A cluster of 3 brokers started for this measure; topics of one replica each (partitions"
            + " spread over the brokers), filled with the same records before the rounds; each"
            + " contender in a fresh JVM (-Xmx1g), rounds alternating. One consumer reading every"
            + " partition (assigned, from the start), then consumers in one group (threads of one"
            + " JVM, group joins included in the time) on 120 partitions. Heap: in use after a full"
            + " collection at the end, the consumer still open.\n\n");
    md.append(
        "| partitions | raw records/s | Gregor records/s | ratio, same round: median (min–max) |"
            + " raw heap MiB | Gregor heap MiB |\n|---|---|---|---|---|---|\n");
    for (int partitions : List.of(1, 12, 120, 1200)) {
      scaleRow(
          "scale-p" + partitions,
          String.format("%,d", partitions),
          "raw-consume",
          "gregor-consume",
          true);
    }
    md.append(
        "\n| consumers in the group | raw records/s | Gregor records/s | ratio, same round:"
            + " median (min–max) |\n|---|---|---|---|\n");
    for (int consumers : List.of(1, 2, 4)) {
      scaleRow(
          "scale-c" + consumers, String.valueOf(consumers), "raw-group", "gregor-group", false);
    }
    md.append(
        "\nTarget: throughput falling no faster than the raw client's as partitions and"
            + " consumers grow, memory per partition bounded by the settings.\n\n");
  }

  private void scaleRow(String measure, String label, String raw, String gregor, boolean heap) {
    Map<String, List<Bench.Row>> grouped = byContender(measure);
    List<Bench.Row> base = grouped.getOrDefault(raw, List.of());
    List<Bench.Row> ours = grouped.getOrDefault(gregor, List.of());
    if (base.isEmpty() || ours.isEmpty()) {
      return;
    }
    List<Double> ratios = new ArrayList<>();
    for (Bench.Row row : ours) {
      base.stream()
          .filter(b -> b.round() == row.round())
          .findFirst()
          .ifPresent(b -> ratios.add(row.number("recordsPerSec") / b.number("recordsPerSec")));
    }
    Stats ratio = Stats.of(ratios);
    md.append(
        String.format(
            "| %s | %,.0f | %,.0f | %.2f (%.2f–%.2f) |",
            label,
            stats(base, row -> row.number("recordsPerSec")).median(),
            stats(ours, row -> row.number("recordsPerSec")).median(),
            ratio.median(),
            ratio.min(),
            ratio.max()));
    if (heap) {
      md.append(
          String.format(
              " %.0f | %.0f |",
              stats(base, row -> row.number("heapAfterGcMiB")).median(),
              stats(ours, row -> row.number("heapAfterGcMiB")).median()));
    }
    md.append('\n');
  }

  private void micro() {
    List<Bench.Row> micro = rowsOf("micro");
    if (micro.isEmpty()) {
      return;
    }
    md.append("### Micro-benchmarks (JMH, ns per record)\n\n");
    md.append("| benchmark | ns/record | ± |\n|---|---|---|\n");
    for (Bench.Row row : micro) {
      md.append(
          String.format(
              "| %s | %.1f | %.1f |%n",
              row.contender(), row.number("nsPerOp"), row.number("error")));
    }
    md.append('\n');
  }

  private String csv() {
    StringBuilder csv = new StringBuilder("measure,contender,round,metric,value\n");
    for (Bench.Row row : rows) {
      row.values()
          .forEach(
              (metric, value) ->
                  csv.append(row.measure())
                      .append(',')
                      .append(row.contender())
                      .append(',')
                      .append(row.round())
                      .append(',')
                      .append(metric)
                      .append(',')
                      .append(value)
                      .append('\n'));
    }
    return csv.toString();
  }
}
