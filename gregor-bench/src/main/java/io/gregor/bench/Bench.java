package io.gregor.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * The side-by-side harness: one broker in its own JVM, each contender in a fresh JVM, contenders
 * alternating round by round, results written as Markdown and CSV.
 *
 * <pre>
 * ./gregor bench            # the full run (about 16 minutes here), writes docs/benchmarks.md
 * ./gregor bench --quick    # a smoke run in about a minute, writes to gregor-bench/target
 * </pre>
 *
 * Options: {@code --rounds N}, {@code --out FILE}, {@code --only
 * produce,consume,latency,memory,process,startup,scale,micro}, {@code --no-reactor}, {@code
 * --no-parallel-consumer}, {@code --no-micro}, {@code --no-reference} (no send-then-wait reference
 * run), {@code --process-records N} (the processing workload's size: 200,000 records, 5,000 with
 * {@code --quick}; it has a key per 20 records, at most {@value #PROCESS_KEYS}), {@code --jfr DIR}
 * (a Flight Recorder profile of each contender's JVM in DIR, read with {@code jfr view
 * hot-methods}), {@code --jfr-settings NAME_OR_FILE} (the recording's settings: {@code profile}
 * unless given, e.g. a file made with {@code jfr configure}).
 */
public final class Bench {
  /** The processing workload's keys (fewer for a smaller workload: 20 records a key). */
  static final int PROCESS_KEYS = 10_000;

  /** The processing workload's partitions. */
  static final int PROCESS_PARTITIONS = 12;

  private final Options options;
  private final PrintStream log = System.err;
  private final List<Row> rows = new ArrayList<>();
  private String bootstrap;
  private Admin admin;
  private int recordings;

  private Bench(Options options) {
    this.options = options;
  }

  /** What one run does. */
  record Options(
      boolean quick,
      int rounds,
      int records,
      int syncRecords,
      int latencySeconds,
      int latencyRate,
      int memorySeconds,
      int smallBacklog,
      int largeBacklog,
      int processRecords,
      boolean reactor,
      boolean parallelConsumer,
      boolean micro,
      boolean reference,
      Set<String> only,
      Path out,
      Path root,
      Path jfr,
      String jfrSettings) {

    /** The processing workload's keys: one per 20 records, at most {@value #PROCESS_KEYS}. */
    int processKeys() {
      return Math.clamp(processRecords / 20, 1, PROCESS_KEYS);
    }

    /**
     * The records a consumer reads in each pass: warm, five times as many as are produced, so that
     * the measured span (a few million records a second) lasts about a second.
     */
    int consumeRecords() {
      return warmUp() ? records * 5 : records;
    }

    /**
     * Whether produce, consume and process contenders warm their JVM up before the measured span:
     * not in the quick run, a smoke test whose figures mean nothing.
     */
    boolean warmUp() {
      return !quick;
    }

    /** Whether this run includes a measure (produce, consume, latency, memory, process, micro). */
    boolean includes(String measure) {
      return only.isEmpty() || only.contains(measure);
    }

    static Options parse(String[] args) {
      boolean quick = List.of(args).contains("--quick");
      boolean reactor = !List.of(args).contains("--no-reactor");
      boolean parallelConsumer = !List.of(args).contains("--no-parallel-consumer");
      boolean micro = !List.of(args).contains("--no-micro");
      boolean reference = !List.of(args).contains("--no-reference");
      Path root = Path.of(System.getProperty("gregor.root", ".")).toAbsolutePath().normalize();
      Path out = null;
      Integer rounds = null;
      Integer processRecords = null;
      Set<String> only = Set.of();
      Path jfr = null;
      String jfrSettings = "profile";
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--out" -> out = Path.of(args[++i]);
          case "--only" -> only = Set.of(args[++i].split(","));
          case "--rounds" -> rounds = Integer.parseInt(args[++i]);
          case "--process-records" -> processRecords = Integer.parseInt(args[++i]);
          case "--jfr" -> jfr = Path.of(args[++i]).toAbsolutePath();
          case "--jfr-settings" -> jfrSettings = args[++i];
          case "--quick",
              "--no-reactor",
              "--no-parallel-consumer",
              "--no-micro",
              "--no-reference" -> {}
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      if (quick) {
        return new Options(
            true,
            rounds == null ? 1 : rounds,
            20_000,
            200,
            2,
            2_000,
            6,
            5_000,
            50_000,
            processRecords == null ? 5_000 : processRecords,
            reactor,
            parallelConsumer,
            false,
            reference,
            only,
            out == null ? root.resolve("gregor-bench/target/bench-quick.md") : out,
            root,
            jfr,
            jfrSettings);
      }
      return new Options(
          false,
          rounds == null ? 5 : rounds,
          1_000_000,
          20_000,
          30,
          10_000,
          60,
          200_000,
          2_000_000,
          processRecords == null ? 200_000 : processRecords,
          reactor,
          parallelConsumer,
          micro,
          reference,
          only,
          out == null ? root.resolve("docs/benchmarks.md") : out,
          root,
          jfr,
          jfrSettings);
    }
  }

  /** One measurement of one contender in one round. */
  record Row(String measure, String contender, int round, Map<String, String> values) {
    double number(String key) {
      return Double.parseDouble(values.get(key));
    }
  }

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    Instant start = Instant.now();
    Bench bench = new Bench(options);
    Process broker = bench.startBroker();
    try {
      bench.run();
    } finally {
      broker.getOutputStream().close();
      if (!broker.waitFor(30, TimeUnit.SECONDS)) {
        broker.destroyForcibly();
      }
    }
    Duration took = Duration.between(start, Instant.now());
    new Report(options, bench.rows, took).write();
    bench.log.printf("done in %ds; wrote %s%n", took.toSeconds(), options.out());
    System.exit(0);
  }

  private Process startBroker() throws IOException {
    return startBroker(1);
  }

  /** Starts the brokers in a JVM of their own; makes them the ones the measures use. */
  private Process startBroker(int brokers) throws IOException {
    List<String> command =
        new ArrayList<>(
            javaCommand(
                List.of(brokers == 1 ? "-Xmx1g" : "-Xmx2g"),
                System.getProperty("java.class.path"),
                BrokerMain.class));
    command.add("brokers=" + brokers);
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    bootstrap = out.readLine();
    if (bootstrap == null) {
      throw new IllegalStateException("the benchmark broker did not start");
    }
    log.println((brokers == 1 ? "broker" : brokers + " brokers") + " at " + bootstrap);
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    return process;
  }

  private void run() throws Exception {
    if (options.includes("produce")) {
      produce();
    }
    if (options.includes("consume")) {
      consume();
    }
    if (options.includes("latency")) {
      latency();
    }
    if (options.includes("memory")) {
      memory();
    }
    if (options.includes("process")) {
      process();
    }
    if (options.includes("startup")) {
      startup();
    }
    if (options.includes("scale")) {
      scale();
    }
    if (options.micro() && options.includes("micro")) {
      micro();
    }
    admin.close();
  }

  // ---------------------------------------------------------------- the measures

  private void produce() throws Exception {
    List<String> contenders =
        new ArrayList<>(List.of("raw-produce", "gregor-produce", "gregor-produce-data"));
    if (options.reactor()) {
      contenders.add("reactor-produce");
    }
    for (int partitions : partitionCounts()) {
      String measure = "produce-p" + partitions;
      for (int round = 1; round <= options.rounds(); round++) {
        for (String contender : rotate(contenders, round)) {
          String topic = measure + "-r" + round + "-" + contender;
          createTopic(topic, partitions);
          // Warm: passes until the JIT compilers are quiet, as for consume; Reactor's sender
          // takes seconds a pass, not limited by the JIT, so it runs cold.
          boolean warmUp = options.warmUp() && !contender.equals("reactor-produce");
          record(
              measure,
              contender,
              round,
              runContender(contender, topic, records(contender), warmUp));
          deleteTopic(topic);
        }
      }
      if (partitions == 1 && options.reference()) {
        // The reference point (what the original did with data events on): once is enough.
        String topic = measure + "-sync";
        createTopic(topic, partitions);
        record(
            measure, "sync-produce", 1, runContender("sync-produce", topic, options.syncRecords()));
        deleteTopic(topic);
      }
    }
  }

  /**
   * How many records a produce contender sends: all of them, but a fifth for Reactor Kafka, whose
   * sender runs at about a tenth of the others' rate (a full million would take most of the time
   * budget); its rate is what the table compares.
   */
  private int records(String contender) {
    return contender.equals("reactor-produce") ? options.records() / 5 : options.records();
  }

  private void consume() throws Exception {
    List<String> contenders = new ArrayList<>(List.of("raw-consume", "gregor-consume"));
    if (options.reactor()) {
      contenders.add("reactor-consume");
    }
    // Each contender first reads the topic unmeasured until the JIT compilers are quiet, in its
    // fresh JVM: a measured span of about a second was otherwise mostly compilation.
    for (int partitions : partitionCounts()) {
      String measure = "consume-p" + partitions;
      String topic = measure + "-data";
      fill(topic, partitions, options.consumeRecords());
      for (int round = 1; round <= options.rounds(); round++) {
        for (String contender : rotate(contenders, round)) {
          record(
              measure,
              contender,
              round,
              runContender(contender, topic, options.consumeRecords(), options.warmUp()));
        }
      }
      deleteTopic(topic);
    }
  }

  private void latency() throws Exception {
    // As many rounds as the other measures, each of the full duration: the p99 of 2 rounds of
    // 15 s varied by more than the 1 ms the target allows.
    int rounds = options.quick() ? 1 : options.rounds();
    int seconds = options.latencySeconds();
    // A round that is not recorded: the broker's own code warms up (JIT) on this traffic first.
    // Without it, whichever contender came first had a tail several times the other's.
    for (String contender :
        options.quick() ? List.<String>of() : List.of("raw-latency", "gregor-latency")) {
      String topic = "latency-warm-up-" + contender;
      createTopic(topic, 1);
      run(
          contender,
          List.of(
              "bootstrap=" + bootstrap,
              "topic=" + topic,
              "rate=" + options.latencyRate(),
              "seconds=" + Math.max(2, seconds / 3)),
          List.of("-Xmx1g"));
      deleteTopic(topic);
    }
    for (int round = 1; round <= rounds; round++) {
      for (String contender : rotate(List.of("raw-latency", "gregor-latency"), round)) {
        String topic = "latency-r" + round + "-" + contender;
        createTopic(topic, 1);
        record(
            "latency",
            contender,
            round,
            run(
                contender,
                List.of(
                    "bootstrap=" + bootstrap,
                    "topic=" + topic,
                    "rate=" + options.latencyRate(),
                    "seconds=" + seconds),
                List.of("-Xmx1g")));
        deleteTopic(topic);
      }
    }
  }

  private void memory() throws Exception {
    for (int backlog : List.of(options.smallBacklog(), options.largeBacklog())) {
      String topic = "slow-reader-" + backlog;
      fill(topic, 6, backlog);
      record(
          "memory-backlog-" + backlog,
          "gregor-slow-reader",
          1,
          run(
              "gregor-slow-reader",
              List.of(
                  "bootstrap=" + bootstrap,
                  "topic=" + topic,
                  "seconds=" + options.memorySeconds(),
                  "workMicros=1000"),
              List.of("-Xmx512m")));
      deleteTopic(topic);
    }
  }

  /**
   * Per-key ordered processing, 1 ms of work a record: Gregor's {@code process}, the raw upper
   * bound (a virtual thread per record, no order, no commits) and Parallel Consumer, each reading
   * the same keyed topic from the start in a group of its own, with as many handlers at once as
   * there are keys.
   */
  private void process() throws Exception {
    List<String> contenders = new ArrayList<>(List.of("raw-process", "gregor-process"));
    if (options.parallelConsumer()) {
      contenders.add("pc-process");
    }
    String topic = "process-data";
    fill(topic, PROCESS_PARTITIONS, options.processRecords(), options.processKeys());
    for (int round = 1; round <= options.rounds(); round++) {
      for (String contender : rotate(contenders, round)) {
        record(
            "process",
            contender,
            round,
            run(
                contender,
                List.of(
                    "bootstrap=" + bootstrap,
                    "topic=" + topic,
                    "records=" + options.processRecords(),
                    "group=" + topic + "-r" + round + "-" + contender,
                    "concurrency=" + options.processKeys(),
                    // Parallel Consumer takes seconds a pass: not limited by the JIT, left cold.
                    "warmup=" + (options.warmUp() && !contender.equals("pc-process"))),
                List.of("-Xms1g", "-Xmx1g")));
      }
    }
    deleteTopic(topic);
  }

  /**
   * Start-up: from a consumer's creation to its first assignment, in a new group on an existing
   * topic of 6 partitions; each contender in a fresh JVM, so class loading counts for both.
   */
  private void startup() throws Exception {
    String topic = "startup-data";
    createTopic(topic, 6);
    List<String> contenders = List.of("raw-startup", "gregor-startup");
    for (int round = 1; round <= options.rounds(); round++) {
      for (String contender : rotate(contenders, round)) {
        record(
            "startup",
            contender,
            round,
            run(
                contender,
                List.of(
                    "bootstrap=" + bootstrap,
                    "topic=" + topic,
                    "group=" + topic + "-r" + round + "-" + contender),
                List.of("-Xms256m", "-Xmx256m")));
      }
    }
    deleteTopic(topic);
  }

  /**
   * How cost grows, on a cluster of 3 brokers started for it: consuming a topic of 1, 12, 120 and
   * 1,200 partitions (one consumer reading them all), and a topic of 120 partitions with 1, 2 and 4
   * consumers in one group (threads of one JVM); the raw client and Gregor side by side. Topics
   * have one replica each (partitions spread over the brokers), so the figures are the clients'.
   */
  private void scale() throws Exception {
    String mainBootstrap = bootstrap;
    Admin mainAdmin = admin;
    Process cluster = startBroker(3);
    try {
      int records = options.quick() ? 20_000 : 300_000;
      for (int partitions : List.of(1, 12, 120, 1200)) {
        String measure = "scale-p" + partitions;
        String topic = measure + "-data";
        fill(topic, partitions, records);
        for (int round = 1; round <= options.rounds(); round++) {
          for (String contender : rotate(List.of("raw-consume", "gregor-consume"), round)) {
            record(measure, contender, round, runContender(contender, topic, records));
          }
        }
        deleteTopic(topic);
      }
      String topic = "scale-group-data";
      fill(topic, 120, records);
      for (int consumers : List.of(1, 2, 4)) {
        String measure = "scale-c" + consumers;
        for (int round = 1; round <= options.rounds(); round++) {
          for (String contender : rotate(List.of("raw-group", "gregor-group"), round)) {
            record(
                measure,
                contender,
                round,
                run(
                    contender,
                    List.of(
                        "bootstrap=" + bootstrap,
                        "topic=" + topic,
                        "records=" + records,
                        "consumers=" + consumers,
                        "group=" + topic + "-" + measure + "-r" + round + "-" + contender),
                    List.of("-Xms1g", "-Xmx1g")));
          }
        }
      }
      deleteTopic(topic);
    } finally {
      admin.close();
      cluster.getOutputStream().close();
      cluster.waitFor(60, TimeUnit.SECONDS);
      bootstrap = mainBootstrap;
      admin = mainAdmin;
    }
  }

  private void micro() throws Exception {
    Path csv = options.root().resolve("gregor-bench/target/jmh.csv");
    List<String> command = new ArrayList<>();
    command.addAll(
        javaCommand(List.of(), System.getProperty("java.class.path"), org.openjdk.jmh.Main.class));
    command.addAll(
        List.of(
            "io.gregor.bench.HopBenchmark",
            "-f",
            "1",
            "-wi",
            "3",
            "-i",
            "5",
            "-w",
            "2s",
            "-r",
            "2s",
            "-rf",
            "csv",
            "-rff",
            csv.toString()));
    log.println("jmh: " + String.join(" ", command.subList(command.size() - 14, command.size())));
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (process.waitFor() != 0) {
      throw new IllegalStateException("JMH failed with exit code " + process.exitValue());
    }
    List<String> lines = Files.readAllLines(csv);
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",");
      String name = cells[0].replace("\"", "");
      name = name.substring(name.lastIndexOf('.') + 1);
      Map<String, String> values = new LinkedHashMap<>();
      values.put("nsPerOp", cells[4]);
      values.put("error", cells[5]);
      record("micro", name, 1, values);
    }
  }

  // ---------------------------------------------------------------- plumbing

  /** Topics of 1 and 6 partitions; the quick run only does 1. */
  private List<Integer> partitionCounts() {
    return options.quick() ? List.of(1) : List.of(1, 6);
  }

  private static List<String> rotate(List<String> contenders, int round) {
    List<String> order = new ArrayList<>(contenders);
    java.util.Collections.rotate(order, -(round - 1));
    return order;
  }

  private void record(String measure, String contender, int round, Map<String, String> values) {
    log.printf("%-22s %-22s round %d: %s%n", measure, contender, round, values);
    rows.add(new Row(measure, contender, round, values));
  }

  private void fill(String topic, int partitions, int records) throws Exception {
    fill(topic, partitions, records, 0);
  }

  /** Creates {@code topic} and writes {@code records} to it, keyed round robin when keys > 0. */
  private void fill(String topic, int partitions, int records, int keys) throws Exception {
    createTopic(topic, partitions);
    Map<String, String> result =
        run(
            "raw-produce",
            List.of(
                "bootstrap=" + bootstrap, "topic=" + topic, "records=" + records, "keys=" + keys),
            List.of("-Xms1g", "-Xmx1g"));
    if (!"0".equals(result.get("failed"))) {
      throw new IllegalStateException("filling " + topic + " failed: " + result);
    }
  }

  private Map<String, String> runContender(String contender, String topic, int records)
      throws Exception {
    return runContender(contender, topic, records, false);
  }

  /**
   * Runs {@code contender} on {@code topic}; with {@code warmUp}, measured after warm-up passes.
   */
  private Map<String, String> runContender(
      String contender, String topic, int records, boolean warmUp) throws Exception {
    return run(
        contender,
        List.of(
            "bootstrap=" + bootstrap, "topic=" + topic, "records=" + records, "warmup=" + warmUp),
        List.of("-Xms1g", "-Xmx1g"));
  }

  private Map<String, String> run(String contender, List<String> arguments, List<String> jvm)
      throws Exception {
    // Reactor Kafka and Parallel Consumer run on kafka-clients 3: their modules' class paths.
    String classpath;
    String mainClass;
    if (contender.startsWith("reactor-")) {
      classpath = moduleClasspath("gregor-bench-reactor");
      mainClass = "io.gregor.bench.reactor.ReactorContender";
    } else if (contender.startsWith("pc-")) {
      classpath = moduleClasspath("gregor-bench-pc");
      mainClass = "io.gregor.bench.pc.ParallelConsumerContender";
    } else {
      classpath = System.getProperty("java.class.path");
      mainClass = Contender.class.getName();
    }
    List<String> flags = new ArrayList<>(jvm);
    if (options.jfr() != null) { // a recording per contender and round, for `jfr print`
      Files.createDirectories(options.jfr());
      // Without it, samples between safepoints go to the nearest safepoint's frame: a profile
      // once blamed ArrayList.grow for what was the inlined record conversion around it.
      flags.add("-XX:+UnlockDiagnosticVMOptions");
      flags.add("-XX:+DebugNonSafepoints");
      flags.add(
          "-XX:StartFlightRecording=settings="
              + options.jfrSettings()
              + ",filename="
              + options.jfr().resolve(contender + "-" + (++recordings) + ".jfr"));
    }
    List<String> command = new ArrayList<>(javaCommand(flags, classpath, null));
    command.add(mainClass);
    command.add(contender);
    command.addAll(arguments);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    List<String> output = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        output.add(line);
      }
    }
    int exit = process.waitFor();
    for (String line : output) {
      if (line.startsWith("RESULT")) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : line.substring("RESULT".length()).trim().split(" ")) {
          int eq = pair.indexOf('=');
          values.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return values;
      }
    }
    throw new IllegalStateException(
        contender
            + " exited with "
            + exit
            + " and no result; its output:\n"
            + String.join("\n", output.subList(Math.max(0, output.size() - 40), output.size())));
  }

  private String moduleClasspath(String name) throws IOException {
    Path module = options.root().resolve(name).resolve("target");
    return module.resolve("classes")
        + java.io.File.pathSeparator
        + Files.readString(module.resolve("classpath.txt")).trim();
  }

  private static List<String> javaCommand(List<String> jvm, String classpath, Class<?> main) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvm);
    command.add("-XX:+UseG1GC");
    command.add("--sun-misc-unsafe-memory-access=allow");
    command.add("-cp");
    command.add(classpath);
    if (main != null) {
      command.add(main.getName());
    }
    return command;
  }

  private void createTopic(String topic, int partitions) throws Exception {
    admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    // KAFKA-15591: producing before every partition answers listOffsets can stall a batch.
    Map<TopicPartition, OffsetSpec> query = new LinkedHashMap<>();
    for (int p = 0; p < partitions; p++) {
      query.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        admin.listOffsets(query).all().get();
        return;
      } catch (ExecutionException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        // the partitions are not ready yet: ask again (each call waits on the broker)
      }
    }
  }

  private void deleteTopic(String topic) throws Exception {
    admin.deleteTopics(Set.of(topic)).all().get();
  }
}
