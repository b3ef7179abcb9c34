package io.gregor.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Runs the examples whose regions the docs show (see {@link DocsSnippetsTest}). */
@ExtendWith(KafkaExtension.class)
class DocsExamplesTest {

  @Test
  void readmeExample_sendsTwoOrdersAndReadsThemBack(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    kafka.createTopic("orders", 1);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    // when
    ReadmeExample.run(
        kafka.bootstrapServers(),
        names.group(),
        new PrintStream(printed, true, StandardCharsets.UTF_8));

    // then
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("o-1 -> Order[id=o-1, total=42.0]")
        .contains("o-2 -> Order[id=o-2, total=7.5]")
        .contains("ASSIGNED [orders-0]");
  }

  @Test
  void ordersApp_sendsTwoOrders_reportsWhereTheyWent_andReadsThemBack(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);

    // when
    String printed =
        run(out -> OrdersApp.run(kafka.bootstrapServers(), names.topic(), names.group(), out));

    // then
    assertThat(printed)
        .contains("sent o-1 to " + names.topic() + "@0", "sent o-2 to " + names.topic() + "@1")
        .contains("received o-1 -> Order[id=o-1, total=42.0]")
        .contains("received o-2 -> Order[id=o-2, total=7.5]")
        .doesNotContain("not sent", "error:");
  }

  private static String run(Example example) throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    example.run(new PrintStream(printed, true, StandardCharsets.UTF_8));
    return printed.toString(StandardCharsets.UTF_8);
  }

  private interface Example {
    void run(PrintStream out) throws Exception;
  }

  private static void produce(EmbeddedKafka kafka, String topic, String... values) {
    try (var producer =
        new KafkaProducer<>(
            Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
            new StringSerializer(),
            new StringSerializer())) {
      for (String value : values) {
        producer.send(new ProducerRecord<>(topic, 0, "key", value));
      }
    }
  }

  @Test
  void producerBasics_reportsWhereEachMessageWent(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    kafka.createTopic(names.topic(), 1);
    assertThat(
            run(out -> GuideExamples.producerBasics(kafka.bootstrapServers(), names.topic(), out)))
        .contains("k1 at 0@0", "k2 at 0@1", "k1 at 0@2");
  }

  @Test
  void producerControl_answersInBothForms(EmbeddedKafka kafka, TestNames names) throws Exception {
    kafka.createTopic(names.topic(), 2);
    assertThat(
            run(out -> GuideExamples.producerControl(kafka.bootstrapServers(), names.topic(), out)))
        .contains("PartitionsFor[topic=" + names.topic() + "] -> [PartitionDetails[")
        .contains("leader of partition 0: BrokerNode[");
  }

  @Test
  void producerErrors_reportsTheMessageWithoutAValue(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    kafka.createTopic(names.topic(), 1);
    assertThat(
            run(out -> GuideExamples.producerErrors(kafka.bootstrapServers(), names.topic(), out)))
        .contains("INVALID_MESSAGE: the message has no value");
  }

  @Test
  void producerTransducer_shapesTheMessage(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);

    // when
    run(out -> GuideExamples.producerTransducer(kafka.bootstrapServers(), names.topic(), out));

    // then
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of(
                "bootstrap.servers", kafka.bootstrapServers(), "auto.offset.reset", "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.assign(List.of(new TopicPartition(names.topic(), 0)));
      List<String> values = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                return !values.isEmpty();
              });
      assertThat(values.getFirst())
          .contains("\"a\":1", "\"b\":2", "\"c\":3", "producer-timestamp")
          .doesNotContain("uuid");
    }
  }

  @Test
  void consumerBasics_showsAssignmentThenARecord(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    kafka.createTopic(names.topic(), 1);
    produce(kafka, names.topic(), "hello");
    assertThat(
            run(
                out ->
                    GuideExamples.consumerBasics(
                        kafka.bootstrapServers(), names.group(), names.topic(), out)))
        .contains("ASSIGNED [" + names.topic() + "-0]")
        .contains(names.topic() + "-0@0 key=hello [] at ");
  }

  @Test
  void consumerControl_answersInBothForms(EmbeddedKafka kafka, TestNames names) throws Exception {
    kafka.createTopic(names.topic(), 1);
    produce(kafka, names.topic(), "a", "b");
    assertThat(
            run(
                out ->
                    GuideExamples.consumerControl(
                        kafka.bootstrapServers(), names.group(), names.topic(), out)))
        .contains("Subscriptions[] -> [" + names.topic() + "]")
        .containsPattern("position of 0: \\d+")
        // 2 after the seek, unless a fetch moved the position again before lag() ran
        .containsPattern("lag: \\{" + names.topic() + "-0=[0-2]}");
  }

  @Test
  void consumerCommit_commitsExplicitOffsetsWithMetadata(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    kafka.createTopic(names.topic(), 1);
    produce(kafka, names.topic(), "a", "b", "c");
    assertThat(
            run(
                out ->
                    GuideExamples.consumerCommit(
                        kafka.bootstrapServers(), names.group(), names.topic(), out)))
        .contains("offset=2")
        .contains("metadata='processed by the guide'");
  }

  @Test
  void consumerTransducer_deliversWindows(EmbeddedKafka kafka, TestNames names) throws Exception {
    kafka.createTopic(names.topic(), 1);
    produce(kafka, names.topic(), "a", "b", "c", "d");
    assertThat(
            run(
                out ->
                    GuideExamples.consumerTransducer(
                        kafka.bootstrapServers(), names.group(), names.topic(), out)))
        .contains("window [a, b, c]");
  }

  @Test
  void consumerErrors_reportsThePoisonRecordAndTheMissingAssignment(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    kafka.createTopic(names.topic(), 1);
    produce(kafka, names.topic(), "not json");
    assertThat(
            run(
                out ->
                    GuideExamples.consumerErrors(
                        kafka.bootstrapServers(), names.group(), names.topic(), out)))
        .contains("skipped " + names.topic() + "-0@0: could not deserialize")
        .contains("NO_SUBSCRIPTION");
  }

  @Test
  void codecs_roundTripJson() throws Exception {
    assertThat(run(GuideExamples::codecs))
        .contains("{id=o-1, total=42.0} {\"id\":\"o-1\",\"total\":42.0}")
        .contains("ok");
  }

  @Test
  void transactions_commitsBothMessages(EmbeddedKafka kafka, TestNames names) throws Exception {
    kafka.createTopic(names.topic(), 1);
    GuideExamples.transactions(kafka.bootstrapServers(), names.topic(), names.topic("tx"));
    // The commit returns before the transaction's markers are written: readers see it soon after.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(committedValues(kafka, names.topic()))
                    .containsExactly("first", "second"));
  }

  @Test
  void exactlyOnce_copiesEveryRecordOnce(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    kafka.createTopic(names.topic("in"), 1);
    kafka.createTopic(names.topic("out"), 1);
    produce(kafka, names.topic("in"), "a", "b", "c");

    // when
    String printed =
        run(
            out ->
                GuideExamples.exactlyOnce(
                    kafka.bootstrapServers(),
                    names.group(),
                    names.topic("in"),
                    names.topic("out"),
                    names.topic("copier"),
                    () ->
                        await()
                            .atMost(Duration.ofSeconds(60))
                            .until(() -> committedValues(kafka, names.topic("out")).size() >= 3),
                    out));

    // then
    assertThat(committedValues(kafka, names.topic("out"))).containsExactly("A", "B", "C");
    assertThat(printed).containsPattern("committed [1-3] batch\\(es\\)");
  }

  /** What a read_committed reader sees in partition 0 of {@code topic} now. */
  private static List<String> committedValues(EmbeddedKafka kafka, String topic) {
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of(
                "bootstrap.servers",
                kafka.bootstrapServers(),
                "isolation.level",
                "read_committed",
                "enable.auto.commit",
                false),
            new StringDeserializer(),
            new StringDeserializer())) {
      var partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      List<String> values = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.value()));
                return consumer.position(partition) >= end;
              });
      return values;
    }
  }
}
