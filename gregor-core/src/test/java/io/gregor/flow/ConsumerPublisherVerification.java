package io.gregor.flow;

import io.gregor.Codecs;
import io.gregor.Consumer;
import io.gregor.ConsumerSettings;
import io.gregor.Event;
import io.gregor.EventType;
import io.gregor.Flows;
import io.gregor.Received;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Gatherer;
import org.apache.kafka.common.TopicPartition;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;

/**
 * The Reactive Streams TCK's publisher rules, for {@link Flows#publisher(Consumer, Flows.OnCancel)}
 * on real consumers of a real broker: each publisher of {@code n} elements is a consumer of a
 * partition holding {@link #RECORDS} records, with only DATA in its output policy and a transducer
 * that lets {@code n} records through and then closes the consumer (so its output ends: {@code n}
 * data events, then EOF). Run by {@link FlowTckTest}, which sets {@link #bootstrap} and {@link
 * #topic}.
 */
public class ConsumerPublisherVerification
    extends FlowPublisherVerification<Event<Received<String, String>>> {
  /** Records in the partition, and so the most elements a publisher here gives. */
  static final int RECORDS = 20;

  static volatile String bootstrap;
  static volatile String topic;

  /** Every consumer made, closed after the run (a TCK test may stop reading before the end). */
  static final List<Consumer<?, ?, ?>> CONSUMERS = new CopyOnWriteArrayList<>();

  public ConsumerPublisherVerification() {
    // Signals may take a broker's round trip; a signal that must not come is awaited briefly.
    super(new TestEnvironment(FlowTckTest.BROKER_TIMEOUT_MILLIS, 300));
  }

  @Override
  public long maxElementsFromPublisher() {
    return RECORDS;
  }

  @Override
  public Flow.Publisher<Event<Received<String, String>>> createFlowPublisher(long elements) {
    var self = new AtomicReference<Consumer<String, String, Received<String, String>>>();
    var consumer =
        Consumer.create(
            ConsumerSettings.create(bootstrap, topic + "-tck", Codecs.string(), Codecs.string())
                .withKafka("auto.offset.reset", "earliest")
                .withKafka("enable.auto.commit", "false")
                .withOutputPolicy(EventType.DATA)
                .withTransducer(closingAfter(elements, self)));
    self.set(consumer);
    CONSUMERS.add(consumer);
    if (elements == 0) {
      closeInTheBackground(consumer);
    } else {
      consumer.assign(Set.of(new TopicPartition(topic, 0)));
    }
    return Flows.publisher(consumer, Flows.OnCancel.CLOSE);
  }

  @Override
  public Flow.Publisher<Event<Received<String, String>>> createFailedFlowPublisher() {
    return null; // a consumer's output does not fail; SourcePublisherVerification covers it
  }

  /** Lets {@code count} records through, then closes the consumer (not from its own thread). */
  private static Gatherer<Received<String, String>, ?, Received<String, String>> closingAfter(
      long count, AtomicReference<Consumer<String, String, Received<String, String>>> consumer) {
    return Gatherer.ofSequential(
        () -> new long[1],
        (seen, record, downstream) -> {
          if (seen[0] < count) {
            seen[0]++;
            downstream.push(record);
            if (seen[0] == count) {
              closeInTheBackground(consumer.get());
            }
          }
          return true;
        });
  }

  private static void closeInTheBackground(Consumer<?, ?, ?> consumer) {
    Thread.ofVirtual().name("tck-close").start(consumer::close);
  }
}
