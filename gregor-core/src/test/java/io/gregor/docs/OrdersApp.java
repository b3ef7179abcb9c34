package io.gregor.docs;

// tag::main[]
import io.gregor.Codecs;
import io.gregor.Consumer;
import io.gregor.ConsumerSettings;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.GregorException;
import io.gregor.Message;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import java.io.PrintStream;
import java.util.List;

public final class OrdersApp {
  record Order(String id, double total) {}

  public static void main(String[] args) throws InterruptedException {
    String bootstrap = args.length > 0 ? args[0] : "localhost:9092";
    try {
      run(bootstrap, "orders", "orders-app", System.out);
    } catch (GregorException e) { // a bad setting, a refused call, or errors nobody read
      System.err.println(e.failure().kind() + ": " + e.getMessage());
      System.exit(1);
    }
  }

  static void run(String bootstrap, String topic, String group, PrintStream out)
      throws InterruptedException {
    var orders = List.of(new Order("o-1", 42.0), new Order("o-2", 7.5));

    // Each message's outcome is an event: a Sent (where it went) or an Error (why not).
    var producerSettings =
        ProducerSettings.create(bootstrap, Codecs.string(), Codecs.json(Order.class))
            .withOutputPolicy(EventType.DATA, EventType.ERROR)
            .withCloseFailsOnUnreadErrors(true);
    try (var producer = Producer.create(producerSettings)) {
      for (Order order : orders) {
        producer.input().send(Message.of(topic, order.id(), order));
      }
      for (int outcomes = 0; outcomes < orders.size(); outcomes++) {
        switch (producer.output().receive()) {
          case Event.Data(var sent) ->
              out.println(
                  "sent " + sent.message().key() + " to " + sent.topic() + "@" + sent.offset());
          case Event.Error(var failure) ->
              out.println("not sent: " + failure.kind() + " " + failure.message());
          case Event<?> other -> outcomes--; // not an outcome
        }
      }
    }

    var consumerSettings =
        ConsumerSettings.create(bootstrap, group, Codecs.string(), Codecs.json(Order.class))
            .withTopics(topic)
            .withKafka("auto.offset.reset", "earliest");
    try (var consumer = Consumer.create(consumerSettings)) {
      int received = 0;
      while (received < orders.size()) {
        switch (consumer.output().receive()) {
          case Event.Data(var record) -> {
            out.println("received " + record.key() + " -> " + record.value());
            received++;
          }
          case Event.Error(var failure) -> // e.g. a record that is not an Order: skipped
              out.println("error: " + failure.kind() + " " + failure.message());
          case Event<?> other -> {} // rebalances, results
        }
      }
    } // commits what was received, leaves the group
  }
}
// end::main[]
