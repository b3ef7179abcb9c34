package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A producer with a {@code transactional.id}: begin, commit, abort, offsets in the transaction, and
 * what it does outside a transaction or once fenced.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(120)
class ProducerTransactionTest {

  private static ProducerSettings<Message<String, String>, String, String> settings(
      EmbeddedKafka kafka, String transactionalId) {
    return ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
        .withKafka("transactional.id", transactionalId)
        .withOutputPolicy(EventType.ERROR);
  }

  private static void send(
      Producer<Message<String, String>, String, String> producer, String topic, String... values)
      throws InterruptedException {
    for (String value : values) {
      producer.input().send(Message.of(topic, value));
    }
  }

  @Test
  void commitTransaction_includesEveryMessageAcceptedBeforeIt(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    List<String> values = IntStream.range(0, 500).mapToObj(i -> "v" + i).toList();
    try (var producer = Producer.create(settings(kafka, names.topic()))) {
      producer.beginTransaction();
      send(producer, names.topic(), values.toArray(String[]::new));

      // when: committed at once, without a flush
      producer.commitTransaction();

      // then
      assertThat(TopicReader.committedValues(kafka, names.topic())).isEqualTo(values);
    }
  }

  @Test
  void commitTransaction_onTheControlChannel_followsTheMessagesBeforeIt(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    try (var producer =
        Producer.create(settings(kafka, names.topic()).withOutputPolicy(EventType.CONTROL))) {
      producer.control().send(new Operation.BeginTransaction());
      assertThat(Outputs.next(producer.output()))
          .isEqualTo(new Event.Result<>(new Operation.BeginTransaction(), null));
      send(producer, names.topic(), "a", "b", "c");

      // when
      producer.control().send(new Operation.CommitTransaction());

      // then
      assertThat(Outputs.next(producer.output()))
          .isEqualTo(new Event.Result<>(new Operation.CommitTransaction(), null));
      assertThat(TopicReader.committedValues(kafka, names.topic())).containsExactly("a", "b", "c");
    }
  }

  @Test
  void abortTransaction_itsMessagesAreNeverSeenByReadCommittedReaders(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: an aborted transaction whose messages reached the log, then a committed one
    kafka.createTopic(names.topic(), 1);
    try (var producer = Producer.create(settings(kafka, names.topic()))) {
      producer.beginTransaction();
      send(producer, names.topic(), "aborted-1", "aborted-2");
      producer.flush();

      // when
      producer.abortTransaction();
      producer.beginTransaction();
      send(producer, names.topic(), "committed");
      producer.commitTransaction();
    }

    // then
    assertThat(TopicReader.committedValues(kafka, names.topic())).containsExactly("committed");
    assertThat(TopicReader.values(kafka, names.topic(), Codecs.string()))
        .as("what the log holds, read uncommitted")
        .containsExactly("aborted-1", "aborted-2", "committed");
  }

  @Test
  void message_withNoTransactionOpen_isReportedNotSent(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    try (var producer = Producer.create(settings(kafka, names.topic()))) {
      // when
      Message<String, String> message = Message.of(names.topic(), "outside");
      producer.input().send(message);

      // then
      var event = Outputs.next(producer.output());
      assertThat(event).isInstanceOf(Event.Error.class);
      Failure failure = ((Event.Error<?>) event).failure();
      assertThat(failure.kind()).isEqualTo(ErrorKind.NOT_SENT);
      assertThat(failure.message()).contains("no transaction is open");
      assertThat(failure.subject()).isEqualTo(message);
    }
    assertThat(TopicReader.count(kafka, names.topic())).isZero();
  }

  @Test
  void commitTransaction_whenAMessageOfItFailedBeforeKafka_isRefusedAndTheTransactionStaysOpen(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    try (var producer = Producer.create(settings(kafka, names.topic()))) {
      producer.beginTransaction();
      send(producer, names.topic(), "fine");
      producer
          .input()
          .send(
              new Message<String, String>(names.topic(), null, "k", null, null, List.of(), false));

      // when / then
      assertThatThrownBy(producer::commitTransaction)
          .isInstanceOfSatisfying(
              GregorException.class,
              e -> {
                assertThat(e.failure().kind()).isEqualTo(ErrorKind.TRANSACTION_FAILED);
                assertThat(e.failure().message()).contains("1 message(s)", "abort it");
              });
      producer.abortTransaction();
    }
    assertThat(TopicReader.committedValues(kafka, names.topic())).isEmpty();
  }

  @Test
  void fencedProducer_refusesTransactionsAndMessagesWithFenced(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: a producer in a transaction, and a newer one with the same transactional.id
    kafka.createTopic(names.topic(), 1);
    try (var old = Producer.create(settings(kafka, names.topic()))) {
      old.beginTransaction();
      send(old, names.topic(), "from-the-old-one");
      old.flush();
      try (var newer = Producer.create(settings(kafka, names.topic()))) {
        // when
        var commit = catchFailure(old::commitTransaction);
        var begin = catchFailure(old::beginTransaction);
        old.input().send(Message.of(names.topic(), "after-fencing"));

        // then
        assertThat(commit.kind()).isEqualTo(ErrorKind.FENCED);
        assertThat(begin.kind()).isEqualTo(ErrorKind.FENCED);
        assertThat(begin.message()).contains("fenced");
        List<Failure> errors = new ArrayList<>();
        Outputs.until(
                old.output(),
                e ->
                    e instanceof Event.Error<?> error
                        && error.failure().subject() instanceof Message<?, ?> m
                        && m.value().equals("after-fencing"))
            .forEach(e -> errors.add(((Event.Error<?>) e).failure()));
        assertThat(errors.getLast().kind()).isEqualTo(ErrorKind.FENCED);

        newer.beginTransaction();
        send(newer, names.topic(), "from-the-new-one");
        newer.commitTransaction();
      }
    }
    assertThat(TopicReader.committedValues(kafka, names.topic()))
        .containsExactly("from-the-new-one");
  }

  @Test
  void close_withATransactionOpen_abortsIt(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    var producer = Producer.create(settings(kafka, names.topic()));
    producer.beginTransaction();
    send(producer, names.topic(), "never-committed");
    producer.flush();

    // when
    producer.close();

    // then: a read_committed reader reads to the end at once, and sees nothing
    assertThat(TopicReader.committedValues(kafka, names.topic())).isEmpty();
    assertThat(TopicReader.count(kafka, names.topic())).isGreaterThan(0);
  }

  @Test
  void transactionOperations_withoutTransactionalId_areInvalid(
      EmbeddedKafka kafka, TestNames names) {
    try (var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string()))) {
      // when
      var failure = catchFailure(producer::beginTransaction);

      // then
      assertThat(failure.kind()).isEqualTo(ErrorKind.INVALID_OPERATION);
      assertThat(failure.message()).contains("transactional.id");
    }
  }

  @Test
  void commitTransaction_withNoneOpen_isInvalid(EmbeddedKafka kafka, TestNames names) {
    try (var producer = Producer.create(settings(kafka, names.topic()))) {
      // when
      var failure = catchFailure(producer::commitTransaction);

      // then
      assertThat(failure.kind()).isEqualTo(ErrorKind.INVALID_OPERATION);
      assertThat(failure.message()).contains("needs an open transaction");
    }
  }

  @Test
  void create_whenTheBrokerCannotBeReached_throwsAndLeavesNothingRunning(TestNames names) {
    // given: nothing listens there; registering waits max.block.ms at most
    var settings =
        ProducerSettings.create("127.0.0.1:1", Codecs.string(), Codecs.string())
            .withKafka("transactional.id", names.topic())
            .withKafka("max.block.ms", 1_000);

    // when / then
    assertThatThrownBy(() -> Producer.create(settings))
        .isInstanceOfSatisfying(
            GregorException.class,
            e -> {
              assertThat(e.failure().kind()).isEqualTo(ErrorKind.TRANSACTION_FAILED);
              assertThat(e.failure().message()).contains("initTransactions");
            });
    assertThat(Thread.getAllStackTraces().keySet())
        .extracting(Thread::getName)
        .noneMatch(
            name ->
                name.startsWith("kafka-producer-network-thread | producer-")
                    && name.contains(names.topic()));
  }

  @Test
  void sendOffsetsToTransaction_commitsTheConsumersOffsetsWithTheTransaction(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: a consumer in a group, and a transactional producer
    kafka.createTopic(names.topic(), 1);
    var partition = new TopicPartition(names.topic(), 0);
    try (var consumer =
            Consumer.create(
                ConsumerSettings.create(
                        kafka.bootstrapServers(), names.group(), Codecs.string(), Codecs.string())
                    .withKafka("enable.auto.commit", false));
        var producer = Producer.create(settings(kafka, names.topic()))) {
      consumer.assign(Set.of(partition));
      var metadata = consumer.groupMetadata();
      assertThat(metadata.groupId()).isEqualTo(names.group());

      // when
      producer.beginTransaction();
      send(producer, names.topic(), "out");
      producer.sendOffsetsToTransaction(Map.of(partition, new OffsetAndMetadata(7)), metadata);
      producer.commitTransaction();

      // then
      assertThat(consumer.committed(Set.of(partition)))
          .containsEntry(partition, new OffsetAndMetadata(7));
    }
  }

  private static Failure catchFailure(Runnable call) {
    try {
      call.run();
    } catch (GregorException e) {
      return e.failure();
    }
    throw new AssertionError("no failure");
  }
}
