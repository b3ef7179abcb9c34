package io.gregor.cli;

import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.Sink;
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
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code gregor console}: a producer or a consumer driven by operations as JSON lines on standard
 * input, its events as JSON lines on standard output: the original Gregor's data-driven operations.
 */
@Command(
    name = "console",
    mixinStandardHelpOptions = true,
    versionProvider = Gregor.Version.class,
    description = {
      "Runs a producer or a consumer that takes operations as JSON lines on standard input and"
          + " writes every event as a JSON line on standard output, e.g."
          + " {\"op\":\"subscribe\",\"topics\":[\"orders\"]} or"
          + " {\"op\":\"send\",\"topic\":\"orders\",\"key\":\"k\",\"value\":\"v\"}.",
      "A line that is not an operation gets an error line naming the problem, and the console"
          + " goes on. At the end of input (or {\"op\":\"close\"}) the client closes; the last"
          + " line is {\"type\":\"eof\"}."
    })
public final class ConsoleCommand implements Callable<Integer> {
  @Mixin private KafkaOptions kafka;

  @Parameters(index = "0", paramLabel = "CLIENT", description = "producer or consumer.")
  private String client;

  @Option(
      names = {"-g", "--group"},
      paramLabel = "GROUP",
      description = "The consumer's group (needed to subscribe; assign works without).")
  private String group;

  private final PrintStream out = Std.outLines();

  /** Created by picocli. */
  public ConsoleCommand() {}

  @Override
  public Integer call() throws Exception {
    kafka.validate();
    boolean consumer =
        switch (client) {
          case "consumer" -> true;
          case "producer" -> false;
          default -> throw kafka.usage("CLIENT must be producer or consumer, was '" + client + "'");
        };
    if (group != null && !consumer) {
      throw kafka.usage("--group is for a consumer");
    }
    kafka.configureLogging();
    return consumer ? runConsumer() : runProducer();
  }

  private int runConsumer() throws Exception {
    Map<String, Object> config = kafka.consumer("gregor-cli-console");
    if (group != null) {
      config.put("group.id", group);
    }
    config.putIfAbsent("allow.auto.create.topics", false);
    var settings =
        ConsumerSettings.create(config, Codecs.string(), Codecs.string())
            .withOutputPolicy(EventType.CONTROL, EventType.ERROR)
            .withCloseTimeout(kafka.timeout());
    Consumer<String, String, ?> consumer;
    try {
      consumer = Consumer.create(settings);
    } catch (KafkaException | IllegalArgumentException e) {
      throw new CommandFailure("cannot create the consumer: " + Cluster.rootMessage(e));
    }
    try (consumer) {
      run(consumer.output(), consumer.control(), null, true);
    }
    return 0;
  }

  private int runProducer() throws Exception {
    var settings =
        ProducerSettings.create(
                kafka.producer("gregor-cli-console"), Codecs.string(), Codecs.string())
            .withOutputPolicy(EventType.DATA, EventType.CONTROL, EventType.ERROR)
            .withCloseTimeout(
                Duration.ofMillis(kafka.deliveryTimeoutMillis()).plus(kafka.timeout()));
    Producer<Message<String, String>, String, String> producer;
    try {
      producer = Producer.create(settings);
    } catch (KafkaException | IllegalArgumentException e) {
      throw new CommandFailure("cannot create the producer: " + Cluster.rootMessage(e));
    }
    try (producer) {
      run(producer.output(), producer.control(), producer.input(), false);
    }
    return 0;
  }

  /**
   * Prints every event on a thread of its own while this thread turns input lines into operations;
   * at the end of input (or a close) it finishes the control channel and waits for EOF.
   */
  private <O> void run(
      Source<? extends Event<?>> events,
      Sink<O> control,
      Sink<Message<String, String>> input,
      boolean consumer)
      throws Exception {
    Thread printer = Thread.ofVirtual().name("gregor-console-printer").start(() -> print(events));
    try (var lines = new BufferedReader(new InputStreamReader(Std.in(), StandardCharsets.UTF_8))) {
      long number = 0;
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        Object parsed = ConsoleOperations.parse(line, consumer);
        switch (parsed) {
          case ConsoleOperations.Refused(var reason) ->
              println(ConsoleEvents.refused(number, reason));
          case Message<?, ?> message -> {
            @SuppressWarnings("unchecked")
            Message<String, String> typed = (Message<String, String>) message;
            if (input.sendOrClosed(typed) instanceof ChannelClosed) {
              println(ConsoleEvents.refused(number, "the producer has closed"));
            }
          }
          case Operation<?> operation -> {
            @SuppressWarnings("unchecked")
            O typed = (O) operation;
            if (control.sendOrClosed(typed) instanceof ChannelClosed) {
              println(ConsoleEvents.refused(number, "the client has closed"));
            }
            if (operation instanceof Operation.Close) {
              printer.join();
              return;
            }
          }
          default -> throw new IllegalStateException("unexpected " + parsed);
        }
      }
    } catch (IOException e) {
      throw new CommandFailure("reading standard input failed: " + e.getMessage());
    }
    control.doneOrClosed(); // closes the client
    printer.join();
  }

  private void print(Source<? extends Event<?>> events) {
    try {
      while (events.receiveOrClosed() instanceof Event<?> event) {
        println(ConsoleEvents.line(event));
        if (event instanceof Event.Eof<?>) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void println(String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}
