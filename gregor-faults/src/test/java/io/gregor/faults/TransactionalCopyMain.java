package io.gregor.faults;

import io.gregor.Codecs;
import io.gregor.Consumer;
import io.gregor.ConsumerSettings;
import io.gregor.ExactlyOnce;
import io.gregor.Message;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The process {@link TransactionKilledMidStreamTest} kills: {@link ExactlyOnce} copying an input
 * topic to an output topic in transactions of 50 records. Arguments: bootstrap servers, group,
 * input topic, output topic, transactional id, and the input value on which to stop mid-transaction
 * ({@code -} for none): the transform then flushes the transaction's messages so far to the broker,
 * prints {@code MID-TRANSACTION} and waits to be killed. Prints {@code STARTED} once the producer
 * is registered, {@code ERROR kind message} for each error; the end of standard input closes it.
 */
public final class TransactionalCopyMain {
  private TransactionalCopyMain() {}

  public static void main(String[] args) throws Exception {
    OutputStream lines = new FileOutputStream(FileDescriptor.out);
    System.setOut(System.err);
    String bootstrap = args[0];
    String out = args[3];
    String stopAt = args[5];
    var consumer =
        Consumer.create(
            ConsumerSettings.create(bootstrap, args[1], Codecs.string(), Codecs.string())
                .withTopics(args[2])
                .withKafka("auto.offset.reset", "earliest")
                .withKafka("enable.auto.commit", false)
                .withKafka("isolation.level", "read_committed")
                .withKafka("session.timeout.ms", 6_000)
                .withKafka("heartbeat.interval.ms", 1_000));
    var producer =
        Producer.create(
            ProducerSettings.create(bootstrap, Codecs.string(), Codecs.string())
                .withKafka("transactional.id", args[4]));
    write(lines, "STARTED");
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // only the end matters
                }
              } catch (IOException e) {
                // the parent is gone
              }
              consumer.close();
            });
    ExactlyOnce.of(
            consumer,
            producer,
            record -> {
              if (record.value().equals(stopAt)) {
                producer.flush();
                write(lines, "MID-TRANSACTION");
                while (true) {
                  LockSupport.park(); // until SIGKILL
                }
              }
              return List.of(Message.of(out, record.key(), record.value()));
            })
        .withBatchSize(50)
        .withErrorHandler(f -> write(lines, "ERROR " + f.kind() + " " + f.message()))
        .run();
    producer.close();
    write(lines, "CLOSED");
  }

  private static void write(OutputStream lines, String line) {
    try {
      lines.write((line.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
