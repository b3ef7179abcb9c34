package io.gregor.docs;

import io.gregor.Codecs;
import io.gregor.Consumer;
import io.gregor.ConsumerSettings;
import io.gregor.Event;
import io.gregor.Message;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import io.gregor.Transducers;
import java.io.PrintStream;

/** The README's example, compiled and run by {@link DocsExamplesTest}. */
final class ReadmeExample {
  private ReadmeExample() {}

  // tag::order[]
  record Order(String id, double total) {}

  // end::order[]

  /** Sends two orders and reads them back, printing what the consumer sees to {@code out}. */
  static void run(String bootstrap, String group, PrintStream out) throws InterruptedException {
    // tag::producer[]
    var producerSettings =
        ProducerSettings.create(bootstrap, Codecs.string(), Codecs.json(Order.class))
            .withTransducer(Transducers.map((Order o) -> Message.of("orders", o.id(), o)));
    try (var producer = Producer.create(producerSettings)) {
      producer.input().send(new Order("o-1", 42.0));
      producer.input().send(new Order("o-2", 7.5));
    } // close sends everything accepted, then ends the output with Eof
    // end::producer[]

    // tag::consumer[]
    var consumerSettings =
        ConsumerSettings.create(bootstrap, group, Codecs.string(), Codecs.json(Order.class))
            .withTopics("orders")
            .withKafka("auto.offset.reset", "earliest");
    try (var consumer = Consumer.create(consumerSettings)) {
      int orders = 0;
      while (orders < 2) {
        switch (consumer.output().receive()) {
          case Event.Data(var record) -> {
            out.println(record.key() + " -> " + record.value());
            orders++;
          }
          case Event.Rebalance(var kind, var partitions) -> out.println(kind + " " + partitions);
          case Event.Result(var operation, var value) -> out.println(operation + ": " + value);
          case Event.Error(var failure) -> out.println("error: " + failure.message());
          case Event.Eof() -> orders = Integer.MAX_VALUE;
        }
      }
    } // commits what was received, leaves the group
    // end::consumer[]
  }
}
