package io.gregor.docs;

import io.gregor.Codecs;
import io.gregor.Consumer;
import io.gregor.ConsumerSettings;
import io.gregor.Event;
import io.gregor.Flows;
import io.gregor.Message;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import io.gregor.Received;
import io.gregor.Topics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;

/** The guide's examples of Flow publishers and subscribers (with Reactor) and of streams. */
final class FlowExamples {
  private FlowExamples() {}

  static List<String> reactorConsumer(
      String bootstrap, String group, String topic, int count, PrintStream out) {
    // tag::reactor-consumer[]
    var settings =
        ConsumerSettings.create(bootstrap, group, Codecs.string(), Codecs.string())
            .withTopics(Topics.of(topic))
            .withKafka("auto.offset.reset", "earliest");
    var consumer = Consumer.create(settings);
    List<String> values =
        JdkFlowAdapter.flowPublisherToFlux(Flows.publisher(consumer, Flows.OnCancel.CLOSE))
            .<Received<String, String>>handle(
                (event, records) -> {
                  switch (event) {
                    case Event.Data(var record) -> records.next(record);
                    case Event.Error(var failure) ->
                        out.println(failure.kind() + ": " + failure.message());
                    default -> {} // rebalances, results
                  }
                })
            .map(Received::value)
            .take(count) // then cancels, which closes the consumer (OnCancel.CLOSE)
            .collectList()
            .block(Duration.ofSeconds(30));
    // end::reactor-consumer[]
    return values;
  }

  static void reactorProducer(String bootstrap, String topic, int count, PrintStream out) {
    // tag::reactor-producer[]
    var producer =
        Producer.create(ProducerSettings.create(bootstrap, Codecs.string(), Codecs.string()));
    Flux<Message<String, String>> orders =
        Flux.range(1, count).map(i -> Message.of(topic, "order-" + i));
    JdkFlowAdapter.publisherToFlowPublisher(orders)
        .subscribe(Flows.subscriber(producer)); // its completion closes the producer
    JdkFlowAdapter.flowPublisherToFlux(Flows.publisher(producer.output())) // completes at EOF
        .doOnNext(event -> out.println(event)) // errors, and the close result
        .blockLast(Duration.ofSeconds(30));
    // end::reactor-producer[]
  }

  static void stream(String bootstrap, String group, String topic, int count, PrintStream out) {
    var settings =
        ConsumerSettings.create(bootstrap, group, Codecs.string(), Codecs.string())
            .withTopics(Topics.of(topic))
            .withKafka("auto.offset.reset", "earliest");
    // tag::stream[]
    try (var records = Consumer.create(settings).stream()) { // closing it closes the consumer
      records
          .filter(record -> !record.value().isEmpty())
          .limit(count)
          .forEach(record -> out.println(record.key() + " = " + record.value()));
    }
    // end::stream[]
  }
}
