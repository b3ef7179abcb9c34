package io.gregor.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.ChannelClosedException;
import com.softwaremill.jox.ChannelDone;
import com.softwaremill.jox.Select;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The producer's input: senders put elements in one at a time, by send or select; the send loop
 * takes them in order; a sender that found it full is woken once half of it is free again.
 */
@Timeout(30)
class BatchedIntakeTest {

  @Test
  void take_givesWhatWasSent_inOrder() throws InterruptedException {
    // given
    var intake = new BatchedIntake<Integer>(4);
    intake.send(1);
    intake.send(2);
    intake.send(3);

    // when
    List<Object> taken = List.of(intake.take(), intake.take(), intake.take());

    // then
    assertThat(taken).containsExactly(1, 2, 3);
  }

  @Test
  void sendClause_inASelectWithTheSendersOwnChannel_sendsWhereThereIsRoom() throws Exception {
    // given: an input of two, and the sender's own channel of one, already full
    var intake = new BatchedIntake<Integer>(2);
    Channel<Integer> own = Channel.newBufferedChannel(1);
    own.send(0);

    // when
    Select.selectWithin(Duration.ofSeconds(10), own.sendClause(9), intake.sendClause(1));
    Select.selectWithin(Duration.ofSeconds(10), own.sendClause(9), intake.sendClause(2));

    // then
    assertThat(List.of(intake.take(), intake.take())).containsExactly(1, 2);
    assertThat(own.receive()).isZero();
  }

  @Test
  void send_toAFullInput_waitsUntilTheLoopHasTakenHalf() throws InterruptedException {
    // given: a full input of four and a sender waiting
    var intake = new BatchedIntake<Integer>(4);
    for (int i = 0; i < 4; i++) {
      intake.send(i);
    }
    Thread sender = sendInThread(intake, 4);

    // when: the loop takes one, then a second
    intake.take();
    boolean afterOne = sender.join(Duration.ofMillis(200));
    intake.take();

    // then: room is given at half, not at every element taken
    assertThat(afterOne).as("woken after one element taken").isFalse();
    assertThat(sender.join(Duration.ofSeconds(10))).as("woken once half was taken").isTrue();
    assertThat(List.of(intake.take(), intake.take(), intake.take())).containsExactly(2, 3, 4);
  }

  @Test
  void anInputOfOne_holdsOne_andTakesTheNextOnceItIsTaken() throws InterruptedException {
    // given
    var intake = new BatchedIntake<Integer>(1);
    intake.send(1);
    Thread sender = sendInThread(intake, 2);

    // when
    boolean beforeTake = sender.join(Duration.ofMillis(200));
    Object first = intake.take();

    // then
    assertThat(beforeTake).as("a second element went into an input of one").isFalse();
    assertThat(sender.join(Duration.ofSeconds(10))).as("the sender went on").isTrue();
    assertThat(List.of(first, intake.take())).containsExactly(1, 2);
  }

  @Test
  void aSenderWaitingForRoom_isNotOvertakenByLaterSenders() throws InterruptedException {
    // given: a full input of eight, and sender "a" waiting for room
    var intake = new BatchedIntake<Object>(8);
    for (int i = 0; i < 8; i++) {
      intake.send(i);
    }
    Thread a = sendInThread(intake, "a");
    await().atMost(Duration.ofSeconds(10)).until(() -> a.getState() == Thread.State.WAITING);

    // when: the loop takes two (less than half), and sender "b" comes along
    intake.take();
    intake.take();
    Thread b = sendInThread(intake, "b");
    await().atMost(Duration.ofSeconds(10)).until(() -> b.getState() == Thread.State.WAITING);
    List<Object> rest = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      rest.add(intake.take());
    }

    // then: "b" waited in line behind "a"
    assertThat(rest).containsExactly(2, 3, 4, 5, 6, 7, "a", "b");
  }

  private static <T> Thread sendInThread(BatchedIntake<T> intake, T element) {
    return Thread.ofVirtual()
        .start(
            () -> {
              try {
                intake.send(element);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }

  @Test
  void sendClause_afterDone_seesTheInputClosed() throws InterruptedException {
    // given
    var intake = new BatchedIntake<Integer>(4);
    intake.send(1);

    // when
    intake.done();

    // then
    assertThat(Select.selectOrClosed(intake.sendClause(2))).isInstanceOf(ChannelDone.class);
    assertThat(intake.take()).isEqualTo(1);
    assertThat(intake.take()).isInstanceOf(ChannelDone.class);
  }

  @Test
  void take_onAnEmptyInput_waitsForASend() throws InterruptedException {
    // given
    var intake = new BatchedIntake<Integer>(4);
    var taken = new java.util.concurrent.atomic.AtomicReference<Object>();
    var done = new CountDownLatch(1);
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                taken.set(intake.take());
                done.countDown();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });

    // when
    intake.send(7);

    // then
    assertThat(done.await(10, TimeUnit.SECONDS)).as("the loop was woken").isTrue();
    assertThat(taken.get()).isEqualTo(7);
  }

  @Test
  void afterDone_newSendsFail_andTheLoopTakesWhatWasInThenSeesItClosed()
      throws InterruptedException {
    // given
    var intake = new BatchedIntake<Integer>(4);
    intake.send(1);

    // when
    intake.done();

    // then
    assertThat(intake.sendOrClosed(2)).isInstanceOf(ChannelDone.class);
    assertThatThrownBy(() -> intake.send(3)).isInstanceOf(ChannelClosedException.class);
    assertThat(intake.closedForReceive()).isNull();
    assertThat(intake.take()).isEqualTo(1);
    assertThat(intake.take()).isInstanceOf(ChannelDone.class);
    assertThat(intake.takeFinished()).isInstanceOf(ChannelDone.class);
    assertThat(intake.doneOrClosed()).isInstanceOf(ChannelDone.class);
  }

  @Test
  void done_releasesASenderWaitingForRoom_withTheInputClosed() throws InterruptedException {
    // given
    var intake = new BatchedIntake<Integer>(2);
    intake.send(0);
    intake.send(1);
    var result = new java.util.concurrent.atomic.AtomicReference<Object>();
    var done = new CountDownLatch(1);
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                result.set(intake.sendOrClosed(2));
                done.countDown();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });

    // when
    intake.done();

    // then
    assertThat(done.await(10, TimeUnit.SECONDS)).as("the sender was released").isTrue();
    assertThat(result.get()).isInstanceOf(ChannelClosed.class);
  }

  @Test
  void manySenders_bySendAndBySelect_everyElementTakenOnce_eachSendersInOrder()
      throws InterruptedException {
    // given: a small input, so that senders wait for room and the loop for elements
    int perSender = 5_000;
    var intake = new BatchedIntake<int[]>(8);
    List<Thread> senders = new ArrayList<>();
    AtomicBoolean failed = new AtomicBoolean();
    for (int s = 0; s < 4; s++) {
      int sender = s;
      boolean bySelect = s % 2 == 0;
      senders.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      for (int i = 0; i < perSender; i++) {
                        int[] element = {sender, i};
                        if (bySelect) {
                          Select.select(intake.sendClause(element));
                        } else {
                          intake.send(element);
                        }
                      }
                    } catch (InterruptedException | RuntimeException e) {
                      failed.set(true);
                    }
                  }));
    }

    // when: the loop takes everything
    Map<Integer, List<Integer>> bySender = new HashMap<>();
    Thread loop =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    for (int n = 0; n < 4 * perSender; n++) {
                      int[] element = (int[]) intake.take();
                      bySender.computeIfAbsent(element[0], k -> new ArrayList<>()).add(element[1]);
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });

    // then
    assertThat(loop.join(Duration.ofSeconds(20))).as("the loop took every element").isTrue();
    for (Thread sender : senders) {
      assertThat(sender.join(Duration.ofSeconds(10))).as("a sender finished").isTrue();
    }
    assertThat(failed).isFalse();
    for (List<Integer> sent : bySender.values()) {
      assertThat(sent).hasSize(perSender).isSorted().doesNotHaveDuplicates();
    }
    assertThat(Collections.unmodifiableMap(bySender)).hasSize(4);
  }

  @Test
  void send_withTheSendersInterruptPending_throwsOnlyWhenItWouldWait() throws Exception {
    // given
    var intake = new BatchedIntake<Integer>(4);

    // when: room at once, so an interrupt pending does not stop the send
    Thread.currentThread().interrupt();
    intake.send(1);
    boolean stillInterrupted = Thread.interrupted();

    // then
    assertThat(stillInterrupted).isTrue();
    assertThat(intake.take()).isEqualTo(1);
  }
}
