package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.softwaremill.jox.Channel;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A producer's input as a {@link Flow.Subscriber}: what a publisher emits is sent, demand follows
 * what the input takes, and the publisher's end (completion or error) closes the producer in order.
 * The Reactive Streams rules themselves are checked by the TCK ({@code
 * io.gregor.flow.FlowTckTest}).
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class FlowSubscriberTest {

  private static Producer<Message<String, String>, String, String> producer(
      EmbeddedKafka kafka, TestNames names) {
    kafka.createTopic(names.topic(), 1);
    return Producer.create(
        ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string()));
  }

  @Test
  void published_messages_areSent_andCompletionClosesTheProducer(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given
    var publisher = new SubmissionPublisher<Message<String, String>>();
    try (var producer = producer(kafka, names)) {
      publisher.subscribe(Flows.subscriber(producer));

      // when
      for (int i = 0; i < 200; i++) {
        publisher.submit(Message.of(names.topic(), "m-" + i));
      }
      publisher.close(); // onComplete

      // then: the producer closes after sending everything; EOF is its last event
      assertThat(Outputs.untilEof(producer.output()).getLast()).isEqualTo(new Event.Eof<>());
      assertThat(TopicReader.values(kafka, names.topic(), Codecs.string()))
          .containsExactlyElementsOf(IntStream.range(0, 200).mapToObj(i -> "m-" + i).toList());
    }
  }

  @Test
  void publisherError_closesTheProducer_afterSendingWhatCameBefore(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: a publisher that emits one message and then fails
    var failure = new IllegalStateException("the upstream broke");
    try (var producer = producer(kafka, names)) {
      Flow.Publisher<Message<String, String>> failing =
          subscriber ->
              subscriber.onSubscribe(
                  new Flow.Subscription() {
                    private boolean emitted;

                    @Override
                    public synchronized void request(long n) {
                      if (!emitted) {
                        emitted = true;
                        subscriber.onNext(Message.of(names.topic(), "before"));
                        subscriber.onError(failure);
                      }
                    }

                    @Override
                    public void cancel() {}
                  });

      // when
      failing.subscribe(Flows.subscriber(producer));

      // then: the producer closes in order, the message before the error sent
      assertThat(Outputs.untilEof(producer.output()).getLast()).isEqualTo(new Event.Eof<>());
      assertThat(TopicReader.values(kafka, names.topic(), Codecs.string()))
          .containsExactly("before");
    }
  }

  @Test
  void demand_staysWithinTheBuffer_whileTheSinkTakesNothing() throws InterruptedException {
    // given: a sink nobody reads, and a publisher counting what is requested
    Channel<Long> sink = Channel.newRendezvousChannel();
    var requested = new AtomicLong();
    var emitted = new AtomicLong();
    var publisher = new CountingPublisher(requested, emitted);

    // when
    publisher.subscribe(Flows.subscriber(sink));

    // then: the buffer's worth, then one more for each element the sink takes
    await().atMost(Outputs.PATIENCE).until(() -> emitted.get() == Flows.SUBSCRIBER_BUFFER);
    assertThat(requested.get()).isEqualTo(Flows.SUBSCRIBER_BUFFER);
    assertThat(sink.receive()).isZero();
    await().atMost(Outputs.PATIENCE).until(() -> requested.get() == Flows.SUBSCRIBER_BUFFER + 1);
    sink.done();
  }

  /** Emits 0, 1, 2, ... as requested, on the requesting thread; counts requests and emissions. */
  private record CountingPublisher(AtomicLong requested, AtomicLong emitted)
      implements Flow.Publisher<Long> {
    @Override
    public void subscribe(Flow.Subscriber<? super Long> subscriber) {
      subscriber.onSubscribe(
          new Flow.Subscription() {
            @Override
            public synchronized void request(long n) {
              requested.addAndGet(n);
              for (long i = 0; i < n; i++) {
                subscriber.onNext(emitted.getAndIncrement());
              }
            }

            @Override
            public void cancel() {}
          });
    }
  }
}
