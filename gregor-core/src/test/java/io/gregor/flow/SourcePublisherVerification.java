package io.gregor.flow;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelClosed;
import io.gregor.Event;
import io.gregor.Flows;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;

/**
 * The Reactive Streams TCK's publisher rules, for {@link
 * Flows#publisher(com.softwaremill.jox.Source)} over a plain jox channel of {@code elements} data
 * events that then finishes (a writer thread fills it as it is read, so the TCK's unbounded
 * publishers cost no memory). Run by {@link FlowTckTest}; the consumer-specific behaviour is in
 * {@code FlowPublisherTest}, on a real broker.
 */
public class SourcePublisherVerification extends FlowPublisherVerification<Event<Long>> {
  /** Every channel made, finished after the run so that no writer is left waiting. */
  static final List<Channel<?>> CHANNELS = new CopyOnWriteArrayList<>();

  public SourcePublisherVerification() {
    super(new TestEnvironment(FlowTckTest.TIMEOUT_MILLIS));
  }

  @Override
  public Flow.Publisher<Event<Long>> createFlowPublisher(long elements) {
    Channel<Event<Long>> channel = Channel.newBufferedChannel(16);
    CHANNELS.add(channel);
    Thread.ofVirtual()
        .name("tck-writer")
        .start(
            () -> {
              try {
                for (long i = 0; i < elements; i++) {
                  if (channel.sendOrClosed(new Event.Data<>(i)) instanceof ChannelClosed) {
                    return;
                  }
                }
                channel.doneOrClosed();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    return Flows.publisher(channel);
  }

  @Override
  public Flow.Publisher<Event<Long>> createFailedFlowPublisher() {
    Channel<Event<Long>> channel = Channel.newBufferedChannel(16);
    channel.error(new IllegalStateException("the channel failed"));
    return Flows.publisher(channel);
  }
}
