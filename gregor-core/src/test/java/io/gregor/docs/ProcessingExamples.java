package io.gregor.docs;

import io.gregor.Acknowledgements;
import io.gregor.Codecs;
import io.gregor.Consumer;
import io.gregor.ConsumerSettings;
import io.gregor.Event;
import io.gregor.Ordering;
import io.gregor.Received;
import io.gregor.RetryPolicy;
import io.gregor.Topics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/** The guide's examples of commit after acknowledgement and of parallel processing. */
final class ProcessingExamples {
  private ProcessingExamples() {}

  /** Stores each value; throws for an empty one. */
  private static String store(String value) {
    if (value.isEmpty()) {
      throw new IllegalArgumentException("an empty order");
    }
    return value;
  }

  static void acknowledge(String bootstrap, String group, String topic, int count, PrintStream out)
      throws InterruptedException {
    // tag::acknowledge[]
    var settings =
        ConsumerSettings.create(bootstrap, group, Codecs.string(), Codecs.string())
            .withTopics(Topics.of(topic))
            .withKafka("auto.offset.reset", "earliest")
            .withAcknowledgements(Acknowledgements.defaults()); // commit what was acknowledged
    try (var consumer = Consumer.create(settings)) {
      for (int settled = 0; settled < count; ) { // stored, or failed for good
        switch (consumer.output().receive()) {
          case Event.Data(Received<String, String> record) -> {
            try {
              out.println("stored " + store(record.value()));
              consumer.acknowledge(record); // from any thread, in any order
              settled++;
            } catch (IllegalArgumentException e) {
              consumer.reject(record, e); // it comes again after a backoff, up to 3 tries
            }
          }
          case Event.Error(var failure) -> {
            out.println(failure.kind() + ": " + failure.message()); // PROCESSING_FAILED
            settled++;
          }
          default -> {}
        }
      }
    }
    // end::acknowledge[]
  }

  static void process(
      String bootstrap, String group, String topic, CountDownLatch shutdown, PrintStream out)
      throws InterruptedException {
    // tag::process[]
    var retries =
        RetryPolicy.defaults()
            .withAttempts(3, Duration.ofMillis(100)) // 3 tries, 100 ms then 200 ms apart
            .withDeadLetterTopic(topic + "-dead-letters"); // then the record goes there
    var settings =
        ConsumerSettings.create(bootstrap, group, Codecs.string(), Codecs.string())
            .withTopics(Topics.of(topic))
            .withKafka("auto.offset.reset", "earliest")
            .withAcknowledgements(Acknowledgements.defaults().withRetries(retries));
    try (var consumer = Consumer.create(settings)) {
      var events =
          consumer.process(
              Ordering.KEY, // one key's records in order, different keys in parallel
              64, // handlers at once, each on its own virtual thread
              record -> out.println("order " + record.key() + ": " + store(record.value())));
      Thread.ofVirtual()
          .start(
              () -> { // every other event comes here: read it, as you would the output
                try {
                  while (events.receive() instanceof Event<Received<String, String>> event
                      && !(event instanceof Event.Eof)) {
                    if (event instanceof Event.Error(var failure)) {
                      out.println(failure.kind() + ": " + failure.message());
                    }
                  }
                } catch (Exception e) { // the channel is done after EOF
                  out.println("events ended: " + e);
                }
              });
      shutdown.await(); // until the application stops
    } // close waits for the handlers in flight (up to revokeWait), commits, and leaves
    // end::process[]
  }
}
