package io.gregor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.softwaremill.jox.ChannelDone;
import io.gregor.Event;
import io.gregor.EventType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The producer's emitter: events offered from any thread reach the output in order, straight when
 * it has room and nothing waits before them, through the emitter's thread otherwise; EOF is last.
 */
@Timeout(30)
class EmitterTest {
  private static final Set<EventType> ALL = Set.of(EventType.values());

  @Test
  void eventsOfferedWhileTheOutputIsFull_followInOrder_andPermitsComeBack()
      throws InterruptedException {
    // given: an output of two that nobody reads yet
    var output = new ChunkedOutput<Event<Integer>>(2, () -> {}, new UnreadErrors());
    var permits = new Semaphore(0);
    var emitter = new Emitter<>("test-emitter", output, 2, ALL, permits, new UnreadErrors());

    // when
    for (int i = 0; i < 6; i++) {
      emitter.offer(new Event.Data<>(i)); // each holds a permit, given back once delivered
    }
    emitter.offerUnheld(new Event.Eof<>());
    List<Event<Integer>> read = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      read.add(output.receive());
    }

    // then
    assertThat(read.subList(0, 6))
        .isEqualTo(List.of(data(0), data(1), data(2), data(3), data(4), data(5)));
    assertThat(read.getLast()).isInstanceOf(Event.Eof.class);
    assertThat(output.receiveOrClosed()).isInstanceOf(ChannelDone.class);
    assertThat(joined(emitter)).as("the emitter's thread ended").isTrue();
    assertThat(permits.availablePermits()).isEqualTo(6);
  }

  @Test
  void anEventMadeAfterEof_goesNowhere_andTheOutputStillCloses() throws InterruptedException {
    // given: a full output, so that everything waits in the emitter's queue
    var output = new ChunkedOutput<Event<Integer>>(1, () -> {}, new UnreadErrors());
    var permits = new Semaphore(0);
    var emitter = new Emitter<>("test-emitter", output, 1, ALL, permits, new UnreadErrors());
    emitter.offer(new Event.Data<>(1));
    emitter.offer(new Event.Data<>(2));

    // when: a late callback's event comes after EOF
    emitter.offerUnheld(new Event.Eof<>());
    emitter.offer(new Event.Data<>(3));
    List<Object> read = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    for (Object next = output.receiveOrClosed();
                        !(next instanceof ChannelDone);
                        next = output.receiveOrClosed()) {
                      read.add(next);
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });

    // then
    assertThat(reader.join(Duration.ofSeconds(10))).as("the output closed after EOF").isTrue();
    assertThat(read).hasSize(3).startsWith(data(1), data(2));
    assertThat(read.getLast()).isInstanceOf(Event.Eof.class);
    assertThat(joined(emitter)).as("the emitter's thread ended").isTrue();
  }

  private static Event<Integer> data(int value) {
    return new Event.Data<>(value);
  }

  private static boolean joined(Emitter<?> emitter) throws InterruptedException {
    Thread joiner =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    emitter.join();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    return joiner.join(Duration.ofSeconds(10));
  }
}
