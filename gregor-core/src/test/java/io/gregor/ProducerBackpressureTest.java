package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.time.Duration;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** A producer whose output nobody reads stops taking input, and resumes when it is read. */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ProducerBackpressureTest {
  private static final int INPUT_BUFFER = 4;
  private static final int OUTPUT_BUFFER = 4;
  private static final int MAX_IN_FLIGHT = 4;

  @Test
  void unreadOutput_stopsIntakeAtTheConfiguredBound_andReadingResumesItWithNothingLost(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given: small buffers, data events on, and nobody reading the output
    String topic = names.topic();
    kafka.createTopic(topic, 1);
    var producer =
        Producer.create(
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.ints())
                .withOutputPolicy(EventType.DATA, EventType.ERROR)
                .withInputBufferSize(INPUT_BUFFER)
                .withOutputBufferSize(OUTPUT_BUFFER)
                .withMaxInFlight(MAX_IN_FLIGHT));
    int count = 200;
    var accepted = new AtomicInteger();
    var failure = new AtomicReference<Throwable>();

    // when: a sender offers 200 messages
    Thread sender =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    for (int i = 0; i < count; i++) {
                      producer.input().send(Message.of(topic, i));
                      accepted.incrementAndGet();
                    }
                  } catch (Throwable e) {
                    failure.set(e);
                  }
                });

    // then: intake stops once the output, the in-flight messages, the one message the loop holds
    // and the input buffer are full; Kafka got exactly the messages whose results fill the output
    // and the in-flight slots, and the sender's next send does not complete
    int sentToKafka = OUTPUT_BUFFER + MAX_IN_FLIGHT;
    int bound = sentToKafka + 1 + INPUT_BUFFER;
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                accepted.get() == bound
                    && TopicReader.count(kafka, topic) == sentToKafka
                    && sender.getState() == Thread.State.WAITING);
    assertThat(sender.isAlive()).isTrue();

    // when: the output is read
    var values = new TreeSet<Integer>();
    while (values.size() < count) {
      if (Outputs.next(producer.output()) instanceof Event.Data<Sent<String, Integer>>(var sent)) {
        values.add(sent.message().value());
      }
    }
    sender.join();
    producer.close();

    // then: every message was sent, once
    assertThat(failure.get()).isNull();
    assertThat(accepted.get()).isEqualTo(count);
    assertThat(values).hasSize(count).first().isEqualTo(0);
    assertThat(values.last()).isEqualTo(count - 1);
    assertThat(TopicReader.count(kafka, topic)).isEqualTo(count);
  }
}
