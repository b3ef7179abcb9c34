package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;

import com.softwaremill.jox.ChannelClosed;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.List;
import java.util.stream.Gatherer;
import java.util.stream.Gatherers;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Transducers on the producer's input: stateful, stopping early, throwing, composed. */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ProducerTransducerTest {

  private static <I> Producer<I, String, String> producer(
      EmbeddedKafka kafka, Gatherer<I, ?, Message<String, String>> transducer) {
    return Producer.create(
        ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
            .withOutputPolicy(EventType.DATA, EventType.ERROR, EventType.CONTROL)
            .withTransducer(transducer));
  }

  @Test
  void windowFixed_lastPartialWindowIsSentAtCloseBeforeEof(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: windows of 3 inputs, each sent as one message
    String topic = names.topic();
    kafka.createTopic(topic, 1);
    Gatherer<String, ?, Message<String, String>> windows =
        Gatherers.<String>windowFixed(3)
            .andThen(Transducers.map(window -> Message.of(topic, String.join(",", window))));
    var producer = producer(kafka, windows);
    for (String input : List.of("a", "b", "c", "d", "e", "f", "g")) {
      producer.input().send(input);
    }

    // when
    producer.control().send(new Operation.Close());

    // then: the partial window [g] is sent before the close result and EOF
    var events = Outputs.untilEof(producer.output());
    assertThat(Outputs.data(events))
        .extracting(sent -> sent.message().value())
        .containsExactly("a,b,c", "d,e,f", "g");
    assertThat(events.subList(3, events.size()))
        .containsExactly(new Event.Result<>(new Operation.Close(), null), new Event.Eof<>());
    assertThat(TopicReader.values(kafka, topic, Codecs.string()))
        .containsExactly("a,b,c", "d,e,f", "g");
  }

  @Test
  void take_stopsEarly_producerSaysSoAndTakesNoMoreInput(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: a transducer that wants 3 inputs (and waits until all 10 below were accepted, so
    // that none of the sends races the stop)
    String topic = names.topic();
    kafka.createTopic(topic, 1);
    var allAccepted = new java.util.concurrent.CountDownLatch(1);
    Gatherer<Integer, ?, Message<String, String>> firstThree =
        Transducers.<Integer, Integer>map(
                i -> {
                  try {
                    allAccepted.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return i;
                })
            .andThen(Transducers.take(3))
            .andThen(Transducers.map(i -> Message.of(topic, String.valueOf(i))));
    var producer = producer(kafka, firstThree);

    // when: 10 inputs are accepted
    for (int i = 0; i < 10; i++) {
      producer.input().send(i);
    }
    allAccepted.countDown();

    // then: the producer says it stopped, and reports each accepted input it did not send
    var events =
        Outputs.until(
            producer.output(),
            e ->
                e instanceof Event.Error<?>(Failure failure)
                    && failure.kind() == ErrorKind.TRANSDUCER_STOPPED);
    assertThat(Outputs.failures(events).getLast().subject()).isEqualTo(2);
    // and later input fails at once instead of blocking
    assertThat(producer.input().sendOrClosed(10)).isInstanceOf(ChannelClosed.class);
    // and it still takes operations, and closes in order
    producer.flush();
    producer.close();
    events.addAll(Outputs.untilEof(producer.output()));
    assertThat(Outputs.data(events))
        .extracting(sent -> sent.message().value())
        .containsExactly("0", "1", "2");
    assertThat(Outputs.failures(events))
        .filteredOn(failure -> failure.kind() == ErrorKind.NOT_SENT)
        .extracting(Failure::subject)
        .containsExactly(3, 4, 5, 6, 7, 8, 9);
    assertThat(events.getLast()).isEqualTo(new Event.Eof<>());
    assertThat(TopicReader.values(kafka, topic, Codecs.string())).containsExactly("0", "1", "2");
  }

  @Test
  void take_stoppingAfterTheUserFinishedTheInput_stillCloses_becauseFinishingTheInputIsAClose(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: a transducer that wants 3 inputs, held up until the user has finished the input
    String topic = names.topic();
    kafka.createTopic(topic, 1);
    var inputFinished = new java.util.concurrent.CountDownLatch(1);
    Gatherer<Integer, ?, Message<String, String>> firstThree =
        Transducers.<Integer, Integer>map(
                i -> {
                  try {
                    inputFinished.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return i;
                })
            .andThen(Transducers.take(3))
            .andThen(Transducers.map(i -> Message.of(topic, String.valueOf(i))));
    var producer = producer(kafka, firstThree);
    for (int i = 0; i < 5; i++) {
      producer.input().send(i);
    }

    // when: the user says "no more" before the transducer reaches its fourth input and stops
    producer.input().done();
    inputFinished.countDown();

    // then: the producer closes by itself, in order, without close() being called
    var events = Outputs.untilEof(producer.output());
    assertThat(Outputs.data(events))
        .extracting(sent -> sent.message().value())
        .containsExactly("0", "1", "2");
    assertThat(events.subList(events.size() - 2, events.size()))
        .containsExactly(new Event.Result<>(new Operation.Close(), null), new Event.Eof<>());
    producer.close();
  }

  @Test
  void transducerThrowingOnOneInput_reportsThatInputAndDeliversAllOthers(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: a transducer that fails on input 42 of 100
    String topic = names.topic();
    kafka.createTopic(topic, 1);
    Gatherer<Integer, ?, Message<String, String>> failsOn42 =
        Transducers.map(
            i -> {
              if (i == 42) {
                throw new IllegalStateException("42 is not allowed");
              }
              return Message.of(topic, String.valueOf(i));
            });
    var producer = producer(kafka, failsOn42);

    // when
    for (int i = 0; i < 100; i++) {
      producer.input().send(i);
    }
    producer.close();

    // then: exactly one error, naming input 42, and every other input delivered
    var events = Outputs.untilEof(producer.output());
    assertThat(Outputs.failures(events))
        .singleElement()
        .satisfies(
            failure -> {
              assertThat(failure.kind()).isEqualTo(ErrorKind.TRANSDUCER);
              assertThat(failure.subject()).isEqualTo(42);
              assertThat(failure.cause()).hasMessage("42 is not allowed");
            });
    List<String> others =
        IntStream.range(0, 100).filter(i -> i != 42).mapToObj(String::valueOf).toList();
    assertThat(Outputs.data(events))
        .extracting(sent -> sent.message().value())
        .containsExactlyElementsOf(others);
    assertThat(TopicReader.values(kafka, topic, Codecs.string())).containsExactlyElementsOf(others);
  }

  @Test
  void everydayTransducers_composeIntoOnePipeline(EmbeddedKafka kafka, TestNames names)
      throws Exception {
    // given: keep the even numbers, send each twice, skip the repeats of a run, as messages
    String topic = names.topic();
    kafka.createTopic(topic, 1);
    Gatherer<Integer, ?, Message<String, String>> pipeline =
        Transducers.<Integer>filter(i -> i % 2 == 0)
            .andThen(Transducers.<Integer, Integer>flatMap(i -> Stream.of(i, i)))
            .andThen(Transducers.dedupe())
            .andThen(
                Transducers.keep(
                    i -> i == 4 ? null : Message.of(topic, "k" + i, String.valueOf(i))));
    var producer = producer(kafka, pipeline);

    // when
    for (int i = 0; i < 8; i++) {
      producer.input().send(i);
    }
    producer.close();

    // then
    assertThat(Outputs.failures(Outputs.untilEof(producer.output()))).isEmpty();
    var records = TopicReader.readAll(kafka, topic, Codecs.string(), Codecs.string());
    assertThat(records).extracting(r -> r.key()).containsExactly("k0", "k2", "k6");
    assertThat(records).extracting(r -> r.value()).containsExactly("0", "2", "6");
  }
}
