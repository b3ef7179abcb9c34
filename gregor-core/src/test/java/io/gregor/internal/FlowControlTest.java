package io.gregor.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Backpressure and the user's pauses, on Kafka's MockConsumer (no broker behaviour involved). */
class FlowControlTest {
  private static final TopicPartition A = new TopicPartition("t", 0);
  private static final TopicPartition B = new TopicPartition("t", 1);
  private static final TopicPartition C = new TopicPartition("t", 2);

  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
  private final FlowControl flow = new FlowControl(consumer, 100);

  @Test
  void update_aboveTheLimit_pausesEveryAssignedPartition() {
    // given
    consumer.assign(Set.of(A, B));

    // when
    flow.update(101, false);

    // then
    assertThat(flow.state()).isEqualTo(FlowControl.State.BACKED_UP);
    assertThat(consumer.paused()).containsExactlyInAnyOrder(A, B);
  }

  @Test
  void assigned_afterAnEagerRebalanceWhileBackedUp_startPaused() {
    // given: backed up, then every partition revoked and new ones assigned
    consumer.assign(Set.of(A, B));
    flow.update(101, false);
    flow.forget(Set.of(A, B));
    consumer.assign(Set.of(B, C));

    // when
    flow.assigned(Set.of(B, C));

    // then: no batch is fetched for them until the output has room
    assertThat(consumer.paused()).contains(B, C);
  }

  @Test
  void update_drainedToHalf_resumesAllButWhatTheUserPaused() {
    // given
    consumer.assign(Set.of(A, B));
    flow.pause(Set.of(A));
    flow.update(101, false);

    // when
    flow.update(50, false);

    // then
    assertThat(flow.state()).isEqualTo(FlowControl.State.FLOWING);
    assertThat(consumer.paused()).containsExactly(A);
  }

  @Test
  void update_recordsStillPending_staysBackedUp() {
    // given
    consumer.assign(Set.of(A));
    flow.update(101, false);

    // when: the events drained, but records of the last poll still wait
    flow.update(0, true);

    // then
    assertThat(flow.state()).isEqualTo(FlowControl.State.BACKED_UP);
    assertThat(consumer.paused()).containsExactly(A);
  }

  @Test
  void resume_ofAPartitionNotAssigned_throws_andChangesNothing() {
    // given
    consumer.assign(Set.of(A));
    flow.pause(Set.of(A));

    // when / then
    assertThatThrownBy(() -> flow.resume(Set.of(A, C)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(C.toString());
    assertThat(flow.userPaused()).containsExactly(A);
  }

  @Test
  void resume_whileBackedUp_keepsThePartitionPausedUntilThereIsRoom() {
    // given
    consumer.assign(Set.of(A));
    flow.pause(Set.of(A));
    flow.update(101, false);

    // when
    flow.resume(Set.of(A));

    // then
    assertThat(consumer.paused()).containsExactly(A);
    flow.update(0, false);
    assertThat(consumer.paused()).isEmpty();
  }
}
