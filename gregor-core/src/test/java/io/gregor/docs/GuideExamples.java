package io.gregor.docs;

import io.gregor.Codec;
import io.gregor.Codecs;
import io.gregor.Consumer;
import io.gregor.ConsumerSettings;
import io.gregor.ErrorKind;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.ExactlyOnce;
import io.gregor.GregorException;
import io.gregor.Message;
import io.gregor.Operation;
import io.gregor.PartitionDetails;
import io.gregor.Producer;
import io.gregor.ProducerSettings;
import io.gregor.RebalanceKind;
import io.gregor.Received;
import io.gregor.Topics;
import io.gregor.Transducers;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Gatherer;
import java.util.stream.Gatherers;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.JsonNode;

/** The guide's examples (docs/guide.md), compiled here and run by {@link DocsExamplesTest}. */
final class GuideExamples {
  private GuideExamples() {}

  static void producerBasics(String bootstrap, String topic, PrintStream out)
      throws InterruptedException {
    // tag::producer-basics[]
    var settings =
        ProducerSettings.create(bootstrap, Codecs.string(), Codecs.string())
            .withKafka("acks", "all")
            .withOutputPolicy(EventType.DATA, EventType.ERROR);
    try (var producer = Producer.create(settings)) {
      producer.input().send(Message.of(topic, "k1", "hello"));
      producer.input().send(Message.of(topic, "k2", "world").withHeader("source", "guide"));
      producer.input().send(Message.tombstone(topic, "k1"));
      for (int outcomes = 0; outcomes < 3; outcomes++) {
        switch (producer.output().receive()) {
          case Event.Data(var sent) ->
              out.println(sent.message().key() + " at " + sent.partition() + "@" + sent.offset());
          case Event.Error(var failure) -> out.println(failure.kind() + ": " + failure.message());
          default -> {}
        }
      }
    }
    // end::producer-basics[]
  }

  static void producerControl(String bootstrap, String topic, PrintStream out)
      throws InterruptedException {
    var settings =
        ProducerSettings.create(bootstrap, Codecs.string(), Codecs.string())
            .withOutputPolicy(EventType.CONTROL, EventType.ERROR);
    try (var producer = Producer.create(settings)) {
      // tag::producer-control[]
      // The channel form: the result arrives on the output, after the outcomes before it.
      producer.control().send(new Operation.PartitionsFor(topic));
      if (producer.output().receive() instanceof Event.Result(var operation, var partitions)) {
        out.println(operation + " -> " + partitions);
      }
      // The direct form: the same loop, the result returned.
      List<PartitionDetails> partitions = producer.partitionsFor(topic);
      out.println("leader of partition 0: " + partitions.getFirst().leader());
      producer.input().send(Message.of(topic, "hello"));
      producer.flush(); // returns once "hello" is acknowledged (or has failed)
      // end::producer-control[]
    }
  }

  static void producerErrors(String bootstrap, String topic, PrintStream out)
      throws InterruptedException {
    // tag::producer-errors[]
    var settings = ProducerSettings.create(bootstrap, Codecs.string(), Codecs.string());
    try (var producer = Producer.create(settings)) {
      producer.input().send(new Message<>(topic, null, "k", null, null, List.of(), false));
      producer.input().send(Message.of(topic, "fine"));
      if (producer.output().receive() instanceof Event.Error(var failure)) {
        out.println(failure.kind() + ": " + failure.message() + " -- " + failure.subject());
      }
    }
    // end::producer-errors[]
  }

  /** The original Gregor's producer transducer example, in Java. */
  static void producerTransducer(String bootstrap, String topic, PrintStream out)
      throws InterruptedException {
    // tag::producer-transducer[]
    Gatherer<Map<String, Object>, ?, Message<String, Map<String, Object>>> shape =
        Transducers.<Map<String, Object>, Map<String, Object>>map(
                m -> {
                  Map<String, Object> stamped = new HashMap<>(m);
                  stamped.put("producer-timestamp", Instant.now().toEpochMilli());
                  return stamped;
                })
            .andThen(
                Transducers.map(
                    m -> {
                      Map<String, Object> value = new HashMap<>(m);
                      Object uuid = value.remove("uuid");
                      return Message.of(topic, String.valueOf(uuid), value);
                    }));
    var settings =
        ProducerSettings.create(bootstrap, Codecs.string(), Codecs.jsonMap()).withTransducer(shape);
    try (var producer = Producer.create(settings)) {
      producer.input().send(Map.of("uuid", UUID.randomUUID(), "a", 1, "b", 2, "c", 3));
    }
    // end::producer-transducer[]
    out.println("sent");
  }

  static void consumerBasics(String bootstrap, String group, String topic, PrintStream out)
      throws InterruptedException {
    // tag::consumer-basics[]
    var settings =
        ConsumerSettings.create(bootstrap, group, Codecs.string(), Codecs.string())
            .withTopics(Topics.of(topic)) // or Topics.matching("orders-.*")
            .withKafka("auto.offset.reset", "earliest")
            .withOutputPolicy(EventType.CONTROL, EventType.ERROR); // DATA and EOF are always on
    try (var consumer = Consumer.create(settings)) {
      if (consumer.output().receive() instanceof Event.Rebalance(var kind, var partitions)) {
        out.println(kind + " " + partitions); // ASSIGNED [topic-0]
      }
      if (consumer.output().receive() instanceof Event.Data(Received<String, String> record)) {
        out.println(
            record.topic()
                + "-"
                + record.partition()
                + "@"
                + record.offset()
                + " "
                + record.key()
                + "="
                + record.value()
                + " "
                + record.headers()
                + " at "
                + record.timestamp()
                + " ("
                + record.timestampType()
                + ")");
      }
    }
    // end::consumer-basics[]
  }

  static void consumerControl(String bootstrap, String group, String topic, PrintStream out)
      throws InterruptedException {
    var settings =
        ConsumerSettings.create(bootstrap, group, Codecs.string(), Codecs.string())
            .withKafka("auto.offset.reset", "earliest");
    try (var consumer = Consumer.create(settings)) {
      // tag::consumer-control[]
      consumer.control().send(new Operation.Subscribe(Topics.of(topic)));
      consumer.control().send(new Operation.Subscriptions());
      boolean assigned = false;
      for (int results = 0; results < 2 || !assigned; ) {
        switch (consumer.output().receive()) {
          case Event.Result(var operation, var value) -> {
            out.println(operation + " -> " + value); // Subscriptions[] -> [topic]
            results++;
          }
          case Event.Rebalance(var kind, var partitions) ->
              assigned = kind == RebalanceKind.ASSIGNED;
          case Event.Error(var failure) -> out.println(failure.kind() + ": " + failure.message());
          default -> {}
        }
      }
      out.println("position of 0: " + consumer.position(new TopicPartition(topic, 0)));
      consumer.seekToBeginning(Set.of()); // every assigned partition
      out.println("lag: " + consumer.lag());
      // end::consumer-control[]
    }
  }

  static void consumerCommit(String bootstrap, String group, String topic, PrintStream out) {
    var settings =
        ConsumerSettings.create(bootstrap, group, Codecs.string(), Codecs.string())
            .withKafka("enable.auto.commit", false);
    try (var consumer = Consumer.create(settings)) {
      // tag::consumer-commit[]
      var partition = new TopicPartition(topic, 0);
      consumer.assign(Set.of(partition)); // by hand: no group membership to wait for
      consumer.commit(Map.of(partition, new OffsetAndMetadata(2, "processed by the guide")));
      out.println(consumer.committed(Set.of(partition))); // offset 2, with its metadata
      // end::consumer-commit[]
    }
  }

  static void consumerTransducer(String bootstrap, String group, String topic, PrintStream out)
      throws InterruptedException {
    // tag::consumer-transducer[]
    var settings =
        ConsumerSettings.create(bootstrap, group, Codecs.string(), Codecs.string())
            .withTopics(topic)
            .withKafka("auto.offset.reset", "earliest")
            .withTransducer(
                Transducers.<Received<String, String>, String>map(Received::value)
                    .andThen(Gatherers.windowFixed(3)));
    try (var consumer = Consumer.create(settings)) {
      for (var event = consumer.output().receive(); ; event = consumer.output().receive()) {
        if (event instanceof Event.Data(var window)) {
          out.println("window " + window); // the first three values
          break;
        }
      }
    }
    // end::consumer-transducer[]
  }

  static void consumerErrors(String bootstrap, String group, String topic, PrintStream out)
      throws InterruptedException {
    // tag::consumer-errors[]
    var settings =
        ConsumerSettings.create(bootstrap, group, Codecs.string(), Codecs.json(Order.class))
            .withTopics(topic)
            .withKafka("auto.offset.reset", "earliest");
    try (var consumer = Consumer.create(settings)) {
      while (true) {
        Event<Received<String, Order>> event = consumer.output().receive();
        if (event instanceof Event.Error(var failure)
            && failure.kind() == ErrorKind.DESERIALIZATION) {
          out.println("skipped " + failure.subject() + ": " + failure.message());
          break; // subject: the record's coordinates, e.g. orders-0@17
        }
      }
      try {
        consumer.position(new TopicPartition("not-assigned", 0));
      } catch (GregorException e) {
        out.println(e.failure().kind()); // NO_SUBSCRIPTION
      }
    }
    // end::consumer-errors[]
  }

  record Order(String id, double total) {}

  static void codecs(PrintStream out) {
    // tag::codecs[]
    Codec<Order> orders = Codecs.json(Order.class); // your records and classes
    Codec<Map<String, Object>> maps = Codecs.jsonMap();
    Codec<JsonNode> trees = Codecs.jsonTree();
    Codec<String> kafkas = Codec.of(new StringSerializer(), new StringDeserializer());
    byte[] bytes = orders.serialize("orders", new Order("o-1", 42.0));
    out.println(maps.deserialize("orders", bytes) + " " + trees.deserialize("orders", bytes));
    // end::codecs[]
    out.println(kafkas.deserialize("t", kafkas.serialize("t", "ok")));
  }

  static void transactions(String bootstrap, String topic, String transactionalId)
      throws InterruptedException {
    // tag::transactions[]
    var settings =
        ProducerSettings.create(bootstrap, Codecs.string(), Codecs.string())
            .withKafka("transactional.id", transactionalId); // registers at create
    try (var producer = Producer.create(settings)) {
      producer.beginTransaction();
      producer.input().send(Message.of(topic, "k", "first"));
      producer.input().send(Message.of(topic, "k", "second"));
      try {
        producer.commitTransaction(); // both messages, or (aborted) neither
      } catch (GregorException e) {
        if (e.failure().kind() == ErrorKind.FENCED) {
          throw e; // another producer has this transactional.id now: stop
        }
        producer.abortTransaction();
      }
    }
    // end::transactions[]
  }

  static void exactlyOnce(
      String bootstrap,
      String group,
      String in,
      String outTopic,
      String transactionalId,
      Runnable awaitStop,
      PrintStream out)
      throws InterruptedException {
    // tag::exactly-once[]
    var consumerSettings =
        ConsumerSettings.create(bootstrap, group, Codecs.string(), Codecs.string())
            .withTopics(in)
            .withKafka("auto.offset.reset", "earliest")
            .withKafka("enable.auto.commit", false) // offsets go through the transaction
            .withKafka("isolation.level", "read_committed"); // never read aborted records
    var producerSettings =
        ProducerSettings.create(bootstrap, Codecs.string(), Codecs.string())
            .withKafka("transactional.id", transactionalId); // the same after a restart
    var consumer = Consumer.create(consumerSettings);
    try (consumer;
        var producer = Producer.create(producerSettings)) {
      var copier =
          ExactlyOnce.of(
                  consumer,
                  producer,
                  record ->
                      List.of(Message.of(outTopic, record.key(), record.value().toUpperCase())))
              .withBatchSize(100)
              .withBatchInterval(Duration.ofMillis(200));
      Thread.ofVirtual()
          .start(
              () -> {
                awaitStop.run(); // e.g. a shutdown signal
                consumer.close();
              });
      copier.run(); // until the consumer closes
      out.println("committed " + copier.committedBatches() + " batch(es)");
    }
    // end::exactly-once[]
  }
}
