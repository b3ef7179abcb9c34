package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.softwaremill.jox.ChannelClosed;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The producer's control operations, in both forms: on the control channel and as method calls. */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ProducerControlTest {

  private static Producer<Message<String, String>, String, String> producer(
      EmbeddedKafka kafka, EventType... policy) {
    return Producer.create(
        ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
            .withOutputPolicy(policy));
  }

  private static void sendValues(
      Producer<Message<String, String>, String, String> producer, String topic, int count)
      throws InterruptedException {
    for (int i = 0; i < count; i++) {
      producer.input().send(Message.of(topic, String.valueOf(i)));
    }
  }

  @Test
  void partitionsFor_onControlChannel_resultCarriesThePartitionsAsData(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    kafka.createTopic(names.topic(), 3);
    var producer = producer(kafka, EventType.CONTROL);
    var operation = new Operation.PartitionsFor(names.topic());

    // when
    producer.control().send(operation);

    // then
    Event<Sent<String, String>> event = Outputs.next(producer.output());
    assertThat(event).isInstanceOf(Event.Result.class);
    var result = (Event.Result<?>) event;
    assertThat(result.operation()).isEqualTo(operation);
    @SuppressWarnings("unchecked")
    var partitions = (List<PartitionDetails>) result.value();
    assertThat(partitions).extracting(PartitionDetails::partition).containsExactly(0, 1, 2);
    int port = Integer.parseInt(kafka.bootstrapServers().replaceAll(".*:", ""));
    for (PartitionDetails partition : partitions) {
      assertThat(partition.topic()).isEqualTo(names.topic());
      assertThat(partition.leader().port()).isEqualTo(port);
      assertThat(partition.replicas()).containsExactly(partition.leader());
      assertThat(partition.inSyncReplicas()).containsExactly(partition.leader());
      assertThat(partition.offlineReplicas()).isEmpty();
    }
    producer.close();
  }

  @Test
  void partitionsFor_directCall_returnsThePartitions(EmbeddedKafka kafka, TestNames names) {
    // given
    kafka.createTopic(names.topic(), 2);
    try (var producer = producer(kafka, EventType.CONTROL)) {
      // when
      List<PartitionDetails> partitions = producer.partitionsFor(names.topic());

      // then
      assertThat(partitions).extracting(PartitionDetails::partition).containsExactly(0, 1);
      assertThat(partitions).allSatisfy(p -> assertThat(p.leader()).isNotNull());
    }
  }

  @Test
  void flush_onControlChannel_resultFollowsTheResultOfEveryMessageAcceptedBeforeIt(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    kafka.createTopic(names.topic(), 3);
    var producer = producer(kafka, EventType.DATA, EventType.CONTROL);
    sendValues(producer, names.topic(), 500);

    // when
    producer.control().send(new Operation.Flush());

    // then: 500 data events, then the flush result
    var events =
        Outputs.until(producer.output(), e -> Outputs.isResultOf(e, new Operation.Flush()));
    assertThat(Outputs.data(events)).hasSize(500);
    assertThat(events).hasSize(501);
    producer.close();
  }

  @Test
  void flush_directCall_returnsOnceEveryAcceptedMessageIsInTheTopic(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    kafka.createTopic(names.topic(), 3);
    try (var producer = producer(kafka, EventType.ERROR)) {
      sendValues(producer, names.topic(), 500);

      // when
      producer.flush();

      // then
      assertThat(TopicReader.count(kafka, names.topic())).isEqualTo(500);
    }
  }

  @Test
  void metrics_onControlChannel_resultCarriesTheClientsMetrics(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: a producer that has sent 3 messages
    kafka.createTopic(names.topic(), 1);
    var producer = producer(kafka, EventType.CONTROL);
    sendValues(producer, names.topic(), 3);
    producer.control().send(new Operation.Flush());

    // when
    producer.control().send(new Operation.Metrics());

    // then
    var events =
        Outputs.until(producer.output(), e -> Outputs.isResultOf(e, new Operation.Metrics()));
    @SuppressWarnings("unchecked")
    var metrics = (List<MetricValue>) ((Event.Result<?>) events.getLast()).value();
    assertThat(metrics)
        .filteredOn(m -> m.group().equals("producer-metrics"))
        .filteredOn(m -> m.name().equals("record-send-total"))
        .singleElement()
        .extracting(MetricValue::value)
        .isEqualTo(3.0);
    producer.close();
  }

  @Test
  void metrics_directCall_returnsTheClientsMetrics(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    try (var producer = producer(kafka, EventType.CONTROL)) {
      sendValues(producer, names.topic(), 2);
      producer.flush();

      // when
      List<MetricValue> metrics = producer.metrics();

      // then
      assertThat(metrics)
          .filteredOn(m -> m.name().equals("record-send-total"))
          .filteredOn(m -> m.group().equals("producer-metrics"))
          .singleElement()
          .extracting(MetricValue::value)
          .isEqualTo(2.0);
    }
  }

  @Test
  void close_onControlChannel_emitsResultThenEofThenFinishesEveryChannel(EmbeddedKafka kafka)
      throws Exception {
    // given
    var producer = producer(kafka, EventType.CONTROL);

    // when
    producer.control().send(new Operation.Close());

    // then: the result, EOF, and the output is finished
    assertThat(Outputs.untilEof(producer.output()))
        .containsExactly(new Event.Result<>(new Operation.Close(), null), new Event.Eof<>());
    assertThat(Outputs.finished(producer.output())).isTrue();
    // and sending to the input or control fails at once (a blocking send would time the test out)
    assertThat(producer.input().sendOrClosed(Message.of("any", "late")))
        .isInstanceOf(ChannelClosed.class);
    assertThat(producer.control().sendOrClosed(new Operation.Flush()))
        .isInstanceOf(ChannelClosed.class);
  }

  @Test
  void close_directCall_emitsResultThenEofAndLaterCallsFail(EmbeddedKafka kafka) throws Exception {
    // given
    var producer = producer(kafka, EventType.CONTROL);

    // when
    producer.close();

    // then
    assertThat(Outputs.untilEof(producer.output()))
        .containsExactly(new Event.Result<>(new Operation.Close(), null), new Event.Eof<>());
    assertThat(Outputs.finished(producer.output())).isTrue();
    assertThat(producer.input().sendOrClosed(Message.of("any", "late")))
        .isInstanceOf(ChannelClosed.class);
    assertThatThrownBy(producer::flush)
        .isInstanceOfSatisfying(
            GregorException.class,
            e -> assertThat(e.failure().kind()).isEqualTo(ErrorKind.INVALID_OPERATION))
        .hasMessageContaining("closed");
  }

  @Test
  void close_calledTwice_secondCallDoesNothing(EmbeddedKafka kafka) throws Exception {
    // given
    var producer = producer(kafka, EventType.CONTROL);
    producer.close();

    // when
    producer.close();

    // then: still exactly one result and one EOF
    assertThat(Outputs.untilEof(producer.output()))
        .containsExactly(new Event.Result<>(new Operation.Close(), null), new Event.Eof<>());
    assertThat(Outputs.finished(producer.output())).isTrue();
  }

  @Test
  void close_sendsEveryAcceptedMessageBeforeEof(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: 1,000 messages accepted and not yet flushed
    kafka.createTopic(names.topic(), 3);
    var producer = producer(kafka, EventType.DATA, EventType.CONTROL);
    sendValues(producer, names.topic(), 1000);

    // when
    producer.control().send(new Operation.Close());

    // then: a result for each, then the close result and EOF
    var events = Outputs.untilEof(producer.output());
    assertThat(Outputs.data(events))
        .extracting(sent -> sent.message().value())
        .containsExactlyInAnyOrderElementsOf(
            IntStream.range(0, 1000).mapToObj(String::valueOf).toList());
    assertThat(events.subList(1000, events.size()))
        .containsExactly(new Event.Result<>(new Operation.Close(), null), new Event.Eof<>());
    assertThat(TopicReader.count(kafka, names.topic())).isEqualTo(1000);
  }

  @Test
  void inputDone_closesInOrderAfterSendingWhatWasAccepted(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given
    kafka.createTopic(names.topic(), 1);
    var producer = producer(kafka, EventType.DATA, EventType.CONTROL);
    sendValues(producer, names.topic(), 10);

    // when: the user says there is no more input
    producer.input().done();

    // then
    var events = Outputs.untilEof(producer.output());
    assertThat(Outputs.data(events)).hasSize(10);
    assertThat(events.subList(10, events.size()))
        .containsExactly(new Event.Result<>(new Operation.Close(), null), new Event.Eof<>());
    assertThat(producer.control().sendOrClosed(new Operation.Flush()))
        .isInstanceOf(ChannelClosed.class);
  }
}
