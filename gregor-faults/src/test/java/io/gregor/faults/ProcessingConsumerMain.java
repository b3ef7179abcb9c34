package io.gregor.faults;

import io.gregor.Acknowledgements;
import io.gregor.Consumer;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.Ordering;
import io.gregor.Received;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The processing variant of S3's consumer ({@link KilledConsumerMain}), in a JVM of its own so that
 * the test can kill it hard: a Gregor {@link Consumer} committing after acknowledgement, running
 * {@link Consumer#process} with KEY ordering. Each handler works 1 ms ({@code Thread.sleep(1)}),
 * then reports the record on standard output, before it returns (acknowledges), so a reported
 * record may be unacknowledged at a kill but an acknowledged one is always reported. Lines, each
 * written with one {@code write}:
 *
 * <pre>
 * RECORD id key partition offset
 * ASSIGNED|REVOKED|LOST [topic-0, topic-3]
 * ERROR kind message
 * CLOSED
 * </pre>
 *
 * Arguments: bootstrap servers, group, topic, {@code session.timeout.ms}, {@code
 * maxUnacknowledged}, {@code commitEvery}, concurrency. The end of standard input means close. Logs
 * go to standard error.
 */
public final class ProcessingConsumerMain {
  private ProcessingConsumerMain() {}

  public static void main(String[] args) throws Exception {
    OutputStream lines = new FileOutputStream(FileDescriptor.out);
    System.setOut(System.err); // standard output carries only the lines above
    var acknowledgements =
        Acknowledgements.defaults()
            .withMaxUnacknowledged(
                Integer.parseInt(args[4]), Acknowledgements.DEFAULT_MAX_UNACKNOWLEDGED_BYTES)
            .withCommitEvery(Integer.parseInt(args[5]));
    var settings =
        ScenarioClients.consumer(args[0], args[1], args[2])
            .withKafka("session.timeout.ms", args[3])
            .withKafka("heartbeat.interval.ms", 1_000)
            .withOutputPolicy(EventType.DATA, EventType.CONTROL, EventType.ERROR)
            .withAcknowledgements(acknowledgements);
    var consumer = Consumer.create(settings);
    try {
      var events =
          consumer.process(
              Ordering.KEY,
              Integer.parseInt(args[6]),
              record -> {
                Thread.sleep(1);
                write(lines, line(record));
              });
      Thread.ofPlatform()
          .name("stdin-watch")
          .daemon()
          .start(
              () -> {
                awaitEnd(System.in);
                consumer.close();
              });
      read(events, lines); // until Eof: after the close
    } finally {
      consumer.close();
    }
    write(lines, "CLOSED");
  }

  private static String line(Received<String, String> r) {
    return "RECORD " + r.value() + " " + r.key() + " " + r.partition() + " " + r.offset();
  }

  private static void read(
      com.softwaremill.jox.Source<Event<Received<String, String>>> events, OutputStream lines)
      throws InterruptedException, IOException {
    while (events.receiveOrClosed() instanceof Event<?> event) {
      switch (event) {
        case Event.Rebalance<?>(var kind, var partitions) -> write(lines, kind + " " + partitions);
        case Event.Error<?>(var failure) ->
            write(lines, "ERROR " + failure.kind() + " " + oneLine(failure.message()));
        case Event.Eof<?>() -> {
          return;
        }
        default -> {}
      }
    }
  }

  /** One {@code write} per line: a pipe keeps writes up to 4 KiB whole, even from many threads. */
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
