package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.softwaremill.jox.Select;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Regression: messages to a topic without metadata held up everything else. Kafka's own {@code
 * send} waits for a topic's metadata on the caller's thread for up to {@code max.block.ms}, so the
 * producer's loop stood still for that long per message: other topics, operations and close waited
 * behind them. Here such a topic is one that does not exist, on a broker (of this class's own) that
 * does not create topics on demand; {@code max.block.ms} is long enough that a producer waiting on
 * its loop visibly hangs.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ProducerUnknownTopicTest {
  private static final Duration MAX_BLOCK = Duration.ofSeconds(60);

  /** Well below {@link #MAX_BLOCK}: the bound on anything that must not wait for the metadata. */
  private static final Duration PROMPTLY = Duration.ofSeconds(10);

  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

  /** What a non-blocking receive returns when there is no event. */
  private static final Object NONE = new Object();

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBrokerThatDoesNotCreateTopics() {
    kafka = EmbeddedKafka.builder().brokerConfig("auto.create.topics.enable", "false").start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  private static Producer<Message<String, String>, String, String> producer(Duration maxBlock) {
    return Producer.create(
        ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
            .withKafka(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) maxBlock.toMillis())
            .withCloseTimeout(CLOSE_TIMEOUT)
            .withOutputPolicy(EventType.DATA, EventType.ERROR, EventType.CONTROL));
  }

  /** Sends {@code count} messages with values 0, 1, ... and returns them. */
  private static List<Message<String, String>> send(
      Producer<Message<String, String>, String, String> producer, String topic, int count)
      throws InterruptedException {
    List<Message<String, String>> sent = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      var message = Message.<String, String>of(topic, String.valueOf(i));
      producer.input().send(message);
      sent.add(message);
    }
    return sent;
  }

  @Test
  void partitionsFor_anotherTopic_answersWhileMessagesWaitForAMissingTopic(TestNames names)
      throws Exception {
    // given
    kafka.createTopic(names.topic("existing"), 2);
    try (var producer = producer(MAX_BLOCK)) {
      send(producer, names.topic("missing"), 20);

      // when
      var partitions =
          assertTimeoutPreemptively(
              PROMPTLY,
              () -> producer.partitionsFor(names.topic("existing")),
              "partitionsFor waited behind messages to a topic without metadata");

      // then
      assertThat(partitions).hasSize(2);
    }
  }

  @Test
  void partitionsFor_anotherTopic_answersWhileAMessageToAPartitionWaitsForAMissingTopic(
      TestNames names) throws Exception {
    // given: a message to an explicit partition, which the producer checks against the metadata
    kafka.createTopic(names.topic("existing"), 1);
    try (var producer = producer(MAX_BLOCK)) {
      producer
          .input()
          .send(Message.<String, String>of(names.topic("missing"), "v").withPartition(0));

      // when
      var partitions =
          assertTimeoutPreemptively(
              PROMPTLY,
              () -> producer.partitionsFor(names.topic("existing")),
              "partitionsFor waited behind the partition check of a topic without metadata");

      // then
      assertThat(partitions).hasSize(1);
    }
  }

  @Test
  void send_toAnotherTopic_isAcknowledgedWhileMessagesWaitForAMissingTopic(TestNames names)
      throws Exception {
    // given
    kafka.createTopic(names.topic("existing"), 1);
    try (var producer = producer(MAX_BLOCK)) {
      send(producer, names.topic("missing"), 20);

      // when
      producer.input().send(Message.of(names.topic("existing"), "through"));

      // then: its data event comes first; the others are still waiting
      var events =
          assertTimeoutPreemptively(
              PROMPTLY,
              () -> Outputs.until(producer.output(), e -> e instanceof Event.Data<?>),
              "a message to another topic waited behind messages to a topic without metadata");
      assertThat(Outputs.data(events))
          .singleElement()
          .extracting(sent -> sent.message().value())
          .isEqualTo("through");
      assertThat(Outputs.failures(events)).isEmpty();
    }
  }

  @Test
  void close_withMessagesWaitingForAMissingTopic_returnsWithinItsTimeoutAndReportsEachNotSent(
      TestNames names) throws Exception {
    // given
    var producer = producer(MAX_BLOCK);
    var waiting = send(producer, names.topic("missing"), 20);

    // when
    assertTimeoutPreemptively(
        CLOSE_TIMEOUT.plusSeconds(3),
        producer::close,
        "close waited for messages to a topic without metadata beyond its close timeout");

    // then: each message is reported, in order, then the close result and EOF
    var events = Outputs.untilEof(producer.output());
    assertThat(Outputs.failures(events))
        .allSatisfy(failure -> assertThat(failure.kind()).isEqualTo(ErrorKind.NOT_SENT))
        .extracting(Failure::subject)
        .containsExactlyElementsOf(waiting);
    assertThat(events.subList(events.size() - 2, events.size()))
        .containsExactly(new Event.Result<>(new Operation.Close(), null), new Event.Eof<>());
  }

  @Test
  void send_toAMissingTopic_reportsEachMessageSendFailedWhenTheMetadataWaitTimesOut(TestNames names)
      throws Exception {
    // given: a producer that waits 1 s for a topic's metadata
    try (var producer = producer(Duration.ofSeconds(1))) {

      // when
      var messages = send(producer, names.topic("missing"), 5);

      // then
      var failures = new ArrayList<Failure>();
      while (failures.size() < messages.size()) {
        failures.addAll(Outputs.failures(List.of(Outputs.next(producer.output()))));
      }
      assertThat(failures)
          .allSatisfy(
              failure -> {
                assertThat(failure.kind()).isEqualTo(ErrorKind.SEND_FAILED);
                assertThat(failure.cause()).isInstanceOf(TimeoutException.class);
              })
          .extracting(Failure::subject)
          .containsExactlyElementsOf(messages);
    }
  }

  @Test
  void send_toATopicThatAppearsLater_sendsEveryMessageInOrder(TestNames names) throws Exception {
    // given: messages waiting for a topic that does not exist yet (many, so that handing them to
    // Kafka takes a while, during which more arrive)
    var topic = names.topic("late");
    try (var producer = producer(MAX_BLOCK)) {
      int count = send(producer, topic, 10_000).size();

      // when: the topic appears; messages keep coming until the first is sent, and after
      kafka.createTopic(topic, 1);
      boolean firstSent = false;
      while (!firstSent && count < 20_000) {
        producer.input().send(Message.of(topic, String.valueOf(count++)));
        firstSent =
            Select.selectOrClosed(producer.output().receiveClause(), Select.defaultClause(NONE))
                instanceof Event.Data<?>;
      }
      for (int i = 0; i < 5_000; i++) {
        producer.input().send(Message.of(topic, String.valueOf(count++)));
      }
      producer.flush();

      // then: none overtook another
      assertThat(TopicReader.values(kafka, topic, Codecs.string()))
          .containsExactlyElementsOf(IntStream.range(0, count).mapToObj(String::valueOf).toList());
    }
  }
}
