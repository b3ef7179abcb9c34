package io.gregor.faults;

import io.gregor.Consumer;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.Received;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * S3's consumer, in a JVM of its own so that the test can kill it hard ({@link ConsumerProcess}): a
 * Gregor {@link Consumer} in a group, automatic commits on (Gregor's receipt-based commits), that
 * reports on standard output each event the reader takes, one line each, written with one {@code
 * write} as soon as the record is taken:
 *
 * <pre>
 * RECORD id key partition offset
 * ASSIGNED|REVOKED|LOST [topic-0, topic-3]
 * ERROR kind message
 * CLOSED
 * </pre>
 *
 * Arguments: bootstrap servers, group, topic, {@code auto.commit.interval.ms}, {@code
 * session.timeout.ms}. The end of standard input means close: the consumer closes (committing what
 * was received), prints {@code CLOSED} and the JVM exits. Logs go to standard error.
 */
public final class KilledConsumerMain {
  private KilledConsumerMain() {}

  public static void main(String[] args) throws Exception {
    OutputStream lines = new FileOutputStream(FileDescriptor.out);
    System.setOut(System.err); // standard output carries only the lines above
    var settings =
        ScenarioClients.consumer(args[0], args[1], args[2])
            .withKafka("auto.commit.interval.ms", args[3])
            .withKafka("session.timeout.ms", args[4])
            .withKafka("heartbeat.interval.ms", 1_000)
            .withOutputPolicy(EventType.DATA, EventType.CONTROL, EventType.ERROR);
    var consumer = Consumer.create(settings);
    try {
      Thread.ofPlatform()
          .name("stdin-watch")
          .daemon()
          .start(
              () -> {
                awaitEnd(System.in);
                consumer.close();
              });
      read(consumer, lines); // until Eof: after the close
    } finally {
      consumer.close();
    }
    write(lines, "CLOSED");
  }

  private static void read(
      Consumer<String, String, Received<String, String>> consumer, OutputStream lines)
      throws InterruptedException, IOException {
    while (true) {
      switch (consumer.output().receive()) {
        case Event.Data<Received<String, String>>(var r) ->
            write(
                lines,
                "RECORD " + r.value() + " " + r.key() + " " + r.partition() + " " + r.offset());
        case Event.Rebalance<Received<String, String>>(var kind, var partitions) ->
            write(lines, kind + " " + partitions);
        case Event.Error<Received<String, String>>(var failure) ->
            write(lines, "ERROR " + failure.kind() + " " + oneLine(failure.message()));
        case Event.Eof<Received<String, String>>() -> {
          return;
        }
        default -> {}
      }
    }
  }

  /** One {@code write} per line: a pipe keeps writes up to 4 KiB whole, even under a kill. */
  private static void write(OutputStream lines, String line) throws IOException {
    lines.write((line + "\n").getBytes(StandardCharsets.UTF_8));
  }

  private static String oneLine(String message) {
    String line = String.valueOf(message).replace('\n', ' ');
    return line.length() > 1_000 ? line.substring(0, 1_000) + "..." : line;
  }

  private static void awaitEnd(InputStream in) {
    try {
      while (in.read() >= 0) {
        // nothing is expected on standard input: only its end
      }
    } catch (IOException e) {
      // the parent is gone: close as well
    }
  }
}
