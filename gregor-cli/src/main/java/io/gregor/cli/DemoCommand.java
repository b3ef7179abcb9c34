package io.gregor.cli;

import com.softwaremill.jox.Select;
import com.softwaremill.jox.Source;
import io.gregor.Codecs;
import io.gregor.Consumer;
import io.gregor.ConsumerSettings;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.Message;
import io.gregor.Operation;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import io.gregor.Received;
import io.gregor.Sent;
import io.gregor.Transducers;
import io.gregor.embedded.EmbeddedKafka;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.stream.Gatherer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code gregor demo}: the original Gregor's two TL;DR examples, in Java, against a broker started
 * in this process (or {@code --bootstrap}). It prints every event the clients deliver, in the order
 * they arrive, so that a newcomer sees the channels at work: data, control results, rebalance
 * notices and, after close, EOF.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    versionProvider = Gregor.Version.class,
    description = {
      "Runs the original Gregor's TL;DR examples in Java, printing every event.",
      "A producer and a consumer of JSON maps, then a producer whose transducer reshapes its"
          + " input.",
      "Starts a Kafka broker in this process, unless --bootstrap names one."
    })
public final class DemoCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  @Spec private CommandSpec spec;

  @Option(
      names = {"-b", "--bootstrap"},
      paramLabel = "HOST:PORT",
      description =
          "Use this Kafka instead of starting one; the demo's topics get a unique suffix and are"
              + " deleted at the end.")
  private String bootstrap;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = KafkaOptions.DEFAULT_TIMEOUT,
      converter = Durations.Converter.class,
      description = "How long to wait for Kafka and for each event. Default: ${DEFAULT-VALUE}.")
  private Duration timeout;

  @Option(
      names = {"-F", "--command-config"},
      paramLabel = "FILE",
      description =
          "With --bootstrap: a Kafka client properties file (as Kafka's own tools take), e.g. the"
              + " cluster's TLS and SASL settings.")
  private Path commandConfig;

  @Option(names = "--verbose", description = "Show Kafka's logs on stderr.")
  private boolean verbose;

  private final PrintStream out = Std.outLines();

  /** Created by picocli. */
  public DemoCommand() {}

  @Override
  public Integer call() throws InterruptedException {
    if (bootstrap != null && !KafkaOptions.isBootstrap(bootstrap)) {
      throw new ParameterException(spec.commandLine(), KafkaOptions.bootstrapUsage(bootstrap));
    }
    if (!timeout.isPositive()) {
      throw new ParameterException(
          spec.commandLine(), "--timeout must be positive, was " + Durations.format(timeout));
    }
    if (commandConfig != null && bootstrap == null) {
      throw new ParameterException(
          spec.commandLine(), "--command-config is for your Kafka: give --bootstrap too");
    }
    KafkaOptions.configureLogging(verbose);
    long began = System.nanoTime();
    out.println("Gregor demo: the original Gregor's TL;DR examples, in Java.");
    out.println();
    EmbeddedKafka kafka = null;
    Thread onSignal = null;
    String servers = bootstrap;
    String suffix = "";
    if (servers == null) {
      out.println(
          "Starting a Kafka " + EmbeddedKafka.kafkaVersion() + " broker in this process...");
      long startedAt = System.nanoTime();
      kafka = EmbeddedKafka.start();
      var broker = kafka;
      onSignal = Thread.ofPlatform().name("gregor-demo-stop").unstarted(broker::close);
      Runtime.getRuntime().addShutdownHook(onSignal);
      servers = kafka.bootstrapServers();
      out.printf("Kafka is up at %s (%s).%n%n", servers, seconds(startedAt));
    } else {
      suffix = "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
      out.printf("Using Kafka at %s.%n%n", servers);
    }
    var options = KafkaOptions.of(servers, timeout, commandConfig);
    var topic = "gregor.test" + suffix;
    var sendTopic = "gregor.test.send" + suffix;
    try (var cluster = Cluster.of(options)) {
      cluster.requireReachable();
      for (String name : List.of(topic, sendTopic)) {
        cluster.create(name, Optional.of(1), Optional.empty(), Map.of(), true);
      }
      try {
        new Run(options, topic, sendTopic, "gregor-demo" + suffix).run();
      } finally {
        if (bootstrap != null) {
          for (String name : List.of(topic, sendTopic)) {
            cluster.delete(name, true);
          }
        }
      }
    } finally {
      if (kafka != null) {
        kafka.close();
        removeHook(onSignal);
      }
    }
    out.printf(
        "%nDone in %s. Next: ./gregor broker in one terminal; in another,%n"
            + "  echo hello | ./gregor produce -t greetings%n"
            + "  ./gregor consume -t greetings --count 1%n"
            + "(./gregor --help lists the commands; docs/guide.md has the rest.)%n",
        seconds(began));
    return 0;
  }

  /** One run of both examples: one consumer reads what two producers send. */
  private final class Run {
    private final KafkaOptions options;
    private final String topic;
    private final String sendTopic;
    private final String group;
    private final List<AutoCloseable> opened = new ArrayList<>();

    Run(KafkaOptions options, String topic, String sendTopic, String group) {
      this.options = options;
      this.topic = topic;
      this.sendTopic = sendTopic;
      this.group = group;
    }

    void run() throws InterruptedException {
      try {
        examples();
      } finally {
        for (AutoCloseable client : opened.reversed()) {
          try {
            client.close(); // does nothing when the example closed it already
          } catch (Exception e) {
            // the demo failed already; its message is the one that matters
          }
        }
      }
    }

    private void examples() throws InterruptedException {
      out.println("1. Simple message production and consumption");
      out.printf(
          "   A consumer of %s and %s (JSON maps; auto.offset.reset=earliest),%n"
              + "   and a producer whose output policy is CONTROL and ERROR.%n",
          topic, sendTopic);
      var consumer =
          open(
              Consumer.create(
                  ConsumerSettings.create(
                          options.consumer("gregor-demo-consumer"),
                          Codecs.jsonMap(),
                          Codecs.jsonMap())
                      .withKafka("group.id", group)
                      .withKafka("auto.offset.reset", "earliest")
                      .withTopics(topic, sendTopic)
                      .withOutputPolicy(EventType.DATA, EventType.CONTROL, EventType.ERROR)));
      var producer =
          open(
              Producer.create(
                  ProducerSettings.create(
                          options.producer("gregor-demo-producer"),
                          Codecs.jsonMap(),
                          Codecs.jsonMap())
                      .withOutputPolicy(EventType.CONTROL, EventType.ERROR)));
      for (var value : List.of(map("a", 1, "b", 2), map("a", 3, "b", 4))) {
        out.printf("   producer -> input    %s%n", json(value));
        producer.input().send(Message.of(topic, value));
      }
      printUntilData(consumer, 2);
      out.println("   producer -> control  Close");
      producer.control().send(new Operation.Close());
      printUntilEof("producer", producer.output());

      out.println();
      out.println("2. Producer transducer");
      out.printf(
          "   A producer whose transducer adds a producer-timestamp, makes the key {uuid} and the%n"
              + "   value the rest, and sets the topic to %s.%n",
          sendTopic);
      var reshaping =
          open(
              Producer.create(
                  ProducerSettings.create(
                          options.producer("gregor-demo-transducer"),
                          Codecs.jsonMap(),
                          Codecs.jsonMap())
                      .withOutputPolicy(EventType.CONTROL, EventType.ERROR)
                      .withTransducer(transducer(sendTopic))));
      for (var value : List.of(map("a", 1, "b", 2), map("a", 3, "b", 4))) {
        out.printf("   producer -> input    %s%n", json(value));
        reshaping.input().send(value);
      }
      printUntilData(consumer, 2);
      out.println("   producer -> control  Close");
      reshaping.control().send(new Operation.Close());
      printUntilEof("producer", reshaping.output());

      out.println();
      out.println("Closing the consumer (it commits what it received, then leaves the group)");
      out.println("   consumer -> control  Close");
      consumer.control().send(new Operation.Close());
      printUntilEof("consumer", consumer.output());
    }

    private <C extends AutoCloseable> C open(C client) {
      opened.add(client);
      return client;
    }

    /** Prints the consumer's events until {@code records} data events have arrived. */
    private void printUntilData(
        Consumer<
                Map<String, Object>,
                Map<String, Object>,
                Received<Map<String, Object>, Map<String, Object>>>
            consumer,
        int records)
        throws InterruptedException {
      for (int seen = 0; seen < records; ) {
        var event = next("consumer", consumer.output());
        print("consumer", event);
        if (event instanceof Event.Data<?>) {
          seen++;
        }
      }
    }

    private void printUntilEof(String who, Source<? extends Event<?>> output)
        throws InterruptedException {
      Event<?> event;
      do {
        event = next(who, output);
        print(who, event);
      } while (!(event instanceof Event.Eof<?>));
    }

    private <E> E next(String who, Source<E> output) throws InterruptedException {
      try {
        return Select.selectWithin(timeout, output.receiveClause());
      } catch (TimeoutException e) {
        throw new CommandFailure(
            "the " + who + " delivered no event within " + Durations.format(timeout));
      }
    }
  }

  /**
   * The original's transducer, {@code (comp (map add-timestamp) (map add-message-value) (map
   * add-message-key) (map (partial add-topic ...)))}, as Gatherers.
   */
  static Gatherer<Map<String, Object>, ?, Message<Map<String, Object>, Map<String, Object>>>
      transducer(String topic) {
    return Transducers.<Map<String, Object>, Map<String, Object>>map(DemoCommand::addTimestamp)
        .andThen(Transducers.map(DemoCommand::toMessage))
        .andThen(
            Transducers
                .<Message<Map<String, Object>, Map<String, Object>>,
                    Message<Map<String, Object>, Map<String, Object>>>
                    map(message -> message.withTopic(topic)));
  }

  /** add-timestamp: the time of production, in epoch milliseconds. */
  private static Map<String, Object> addTimestamp(Map<String, Object> input) {
    Map<String, Object> stamped = new LinkedHashMap<>(input);
    stamped.put("producer-timestamp", Instant.now().toEpochMilli());
    return stamped;
  }

  /**
   * add-message-value and add-message-key: the value is the map without its uuid, the key {@code
   * {"uuid": ...}} (a random one when the map has none). The topic comes next.
   */
  private static Message<Map<String, Object>, Map<String, Object>> toMessage(
      Map<String, Object> input) {
    Map<String, Object> value = new LinkedHashMap<>(input);
    Object uuid = value.remove("uuid");
    Map<String, Object> key =
        Map.of("uuid", String.valueOf(uuid == null ? UUID.randomUUID() : uuid));
    return new Message<>(null, null, key, value, null, List.of(), false);
  }

  private void print(String who, Event<?> event) {
    out.printf("   %s <- %s%n", who, describe(event));
  }

  /** An event on one line: the record name a {@code switch} matches, and what it carries. */
  static String describe(Event<?> event) {
    return switch (event) {
      case Event.Data(Received<?, ?> record) ->
          String.format(
              "Data      %s-%d@%d key=%s value=%s",
              record.topic(),
              record.partition(),
              record.offset(),
              json(record.key()),
              json(record.value()));
      case Event.Data(Sent<?, ?> sent) ->
          String.format(
              "Data      sent to %s-%d@%d", sent.topic(), sent.partition(), sent.offset());
      case Event.Data(var other) -> "Data      " + other;
      case Event.Result(var operation, var value) ->
          "Result    "
              + operation.getClass().getSimpleName()
              + (value == null ? ": done" : ": " + value);
      case Event.Rebalance(var kind, var partitions) ->
          "Rebalance " + kind + " " + partitions.stream().map(Object::toString).sorted().toList();
      case Event.Error(var failure) -> "Error     " + failure.kind() + ": " + failure.message();
      case Event.Eof() -> "Eof";
    };
  }

  private static String json(Object value) {
    return value == null ? "null" : JSON.writeValueAsString(value);
  }

  private static Map<String, Object> map(String k1, Object v1, String k2, Object v2) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put(k1, v1);
    map.put(k2, v2);
    return map;
  }

  private static String seconds(long since) {
    return String.format(java.util.Locale.ROOT, "%.1f s", (System.nanoTime() - since) / 1e9);
  }

  private static void removeHook(Thread hook) {
    if (hook == null) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down
    }
  }
}
