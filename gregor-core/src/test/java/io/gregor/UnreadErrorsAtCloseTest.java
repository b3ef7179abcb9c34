package io.gregor;

import static io.gregor.ConsumerTesting.produce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.softwaremill.jox.ChannelClosed;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * Error events an application never reads are not lost silently when it closes the client: the
 * README's try-with-resources pattern reads nothing, so close says what was left unread.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class UnreadErrorsAtCloseTest {
  private final Logger gregorLog = (Logger) LoggerFactory.getLogger("io.gregor");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  @BeforeEach
  void captureLogs() {
    appender.start();
    gregorLog.addAppender(appender);
  }

  @AfterEach
  void stopCapturing() {
    gregorLog.detachAppender(appender);
  }

  private List<String> unreadWarnings() {
    return appender.list.stream()
        .filter(event -> event.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage)
        .filter(message -> message.contains("nobody read"))
        .toList();
  }

  private static ProducerSettings<Message<String, String>, String, String> producerSettings(
      EmbeddedKafka kafka) {
    return ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string());
  }

  /** Sends {@code count} messages to partition 99 of a one-partition topic: each is invalid. */
  private static void sendToAMissingPartition(
      Producer<Message<String, String>, String, String> producer, String topic, int count)
      throws InterruptedException {
    for (int i = 0; i < count; i++) {
      producer.input().send(Message.of(topic, "k", "x" + i).withPartition(99));
    }
  }

  @Test
  void producer_closedWithoutReadingItsErrors_logsThemAtWarn_countedByKind_withExamples(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: the README's pattern, with 5,000 messages to a partition the topic does not have
    kafka.createTopic(names.topic(), 1);
    try (var producer = Producer.create(producerSettings(kafka))) {
      sendToAMissingPartition(producer, names.topic(), 5_000);
      producer.flush();
    } // when: closed without reading

    // then
    assertThat(unreadWarnings())
        .singleElement()
        .asString()
        .startsWith("producer closed with 5000 error events nobody read from its output")
        .contains("(INVALID_MESSAGE: 5000)")
        .contains("partition 99");
  }

  @Test
  void producer_withCloseFailsOnUnreadErrors_closeThrowsTheSummary_andTheProducerIsClosed(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    var producer = Producer.create(producerSettings(kafka).withCloseFailsOnUnreadErrors(true));
    sendToAMissingPartition(producer, names.topic(), 3);
    producer.flush();

    // when / then
    assertThatThrownBy(producer::close)
        .isInstanceOfSatisfying(
            GregorException.class,
            e -> {
              assertThat(e.failure().kind()).isEqualTo(ErrorKind.INVALID_MESSAGE);
              assertThat(e.getMessage()).contains("3 error events nobody read");
            });
    assertThat(producer.control().sendOrClosed(new Operation.Flush()))
        .isInstanceOf(ChannelClosed.class);
    assertThat(unreadWarnings()).isEmpty();
  }

  @Test
  void producer_whoseReaderTakesEverythingUntilEof_reportsNothing(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: a reader that takes every event until EOF, as it comes
    kafka.createTopic(names.topic(), 1);
    try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
      var producer = Producer.create(producerSettings(kafka).withCloseFailsOnUnreadErrors(true));
      Callable<List<Event<Sent<String, String>>>> readAll =
          () -> Outputs.untilEof(producer.output());
      var reader = executor.submit(readAll);
      sendToAMissingPartition(producer, names.topic(), 1_000);

      // when
      producer.close();

      // then
      assertThat(Outputs.failures(reader.get())).hasSize(1_000);
    }
    assertThat(unreadWarnings()).isEmpty();
  }

  @Test
  void consumer_closedWithoutReadingADeserializationError_logsItAtWarn(
      EmbeddedKafka kafka, TestNames names) {
    // given: an int, a record of three bytes, an int
    kafka.createTopic(names.topic(), 1);
    produce(
        kafka,
        new ByteArraySerializer(),
        new ByteArraySerializer(),
        List.of(
            new ProducerRecord<>(names.topic(), 0, null, ByteBuffer.allocate(4).putInt(1).array()),
            new ProducerRecord<>(names.topic(), 0, null, new byte[] {1, 2, 3}),
            new ProducerRecord<>(
                names.topic(), 0, null, ByteBuffer.allocate(4).putInt(3).array())));
    var partition = new TopicPartition(names.topic(), 0);
    try (var consumer =
        Consumer.create(
            ConsumerSettings.create(
                    kafka.bootstrapServers(), names.group(), Codecs.bytes(), Codecs.ints())
                .withKafka("auto.offset.reset", "earliest"))) {
      consumer.assign(java.util.Set.of(partition));
      // the consumer has handled all three records once its position is past them
      await().atMost(Duration.ofSeconds(30)).until(() -> consumer.position(partition) == 3);
    } // when: closed without reading

    // then
    assertThat(unreadWarnings())
        .singleElement()
        .asString()
        .startsWith("consumer closed with 1 error event nobody read from its output")
        .contains("(DESERIALIZATION: 1)")
        .contains(names.topic() + "-0@1");
  }
}
