package io.gregor.flow;

import com.softwaremill.jox.Channel;
import io.gregor.Flows;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowSubscriberBlackboxVerification;

/**
 * The Reactive Streams TCK's subscriber rules, for {@link
 * Flows#subscriber(com.softwaremill.jox.Sink)} over a plain jox channel that takes everything. Run
 * by {@link FlowTckTest}; sending to a real producer is in {@code FlowSubscriberTest}.
 */
public class SinkSubscriberVerification extends FlowSubscriberBlackboxVerification<Long> {
  public SinkSubscriberVerification() {
    super(new TestEnvironment(FlowTckTest.TIMEOUT_MILLIS));
  }

  @Override
  public Flow.Subscriber<Long> createFlowSubscriber() {
    Channel<Long> sink = Channel.newUnlimitedChannel();
    SourcePublisherVerification.CHANNELS.add(sink);
    return Flows.subscriber(sink);
  }

  @Override
  public Long createElement(int element) {
    return (long) element;
  }
}
