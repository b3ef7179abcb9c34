package io.gregor.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelDone;
import com.softwaremill.jox.ChannelError;
import com.softwaremill.jox.Select;
import io.gregor.Event;
import io.gregor.Received;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The consumer's output: the poll loop appends events a batch at a time; readers take them one at a
 * time, in order, by receive or select, and the count of events taken always means every event up
 * to it was taken.
 */
@Timeout(30)
class ChunkedOutputTest {

  private static List<Event<Integer>> data(int from, int to) {
    return IntStream.range(from, to).<Event<Integer>>mapToObj(Event.Data::new).toList();
  }

  /** A run of records with offsets and values {@code [from, to)}, as the poll loop hands over. */
  private static DeferredRecords<String, Integer> run(int from, int to) {
    List<ConsumerRecord<Object, Object>> records = new ArrayList<>();
    Object[] values = new Object[to - from];
    for (int i = from; i < to; i++) {
      records.add(new ConsumerRecord<>("t", 0, i, null, ByteBuffer.wrap(new byte[] {1})));
      values[i - from] = i;
    }
    return new DeferredRecords<>(records, null, values, 0, 0, to - from);
  }

  /** The number an event carries: its value, or its record's. */
  private static Object number(Object event) {
    return event instanceof Event.Data<?>(Received<?, ?> record) ? record.value() : event;
  }

  private static ChunkedOutput<Event<Integer>> output(int capacity) {
    return new ChunkedOutput<>(capacity, () -> {}, new UnreadErrors());
  }

  @Test
  void receive_takesAppendedBatchesOneEventAtATime_inOrder() throws InterruptedException {
    // given
    var output = output(10);
    output.append(data(0, 3), 0, 3, false);
    output.append(data(3, 5), 0, 2, false);

    // when
    List<Event<Integer>> taken = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      taken.add(output.receive());
    }

    // then
    assertThat(taken).isEqualTo(data(0, 5));
    assertThat(output.received()).isEqualTo(5);
    assertThat(output.waiting()).isZero();
  }

  @Test
  void aRunOfRecords_standsForADataEventPerRecord_madeWhenTaken() throws InterruptedException {
    // given
    var output = output(10);
    output.append(List.of(new Event.Data<>(-1), run(0, 3), new Event.Data<>(3)), 0, 3, false);

    // when
    int waiting = output.waiting();
    List<Object> taken = new ArrayList<>();
    taken.add(output.receive());
    taken.add(Select.select(output.receiveClause())); // a select takes from a run as well
    for (int i = 0; i < 3; i++) {
      taken.add(output.receive());
    }

    // then
    assertThat(waiting).isEqualTo(5);
    assertThat(taken.subList(1, 4))
        .allSatisfy(event -> assertThat(event).isInstanceOf(Event.Data.class));
    assertThat(taken.stream().map(ChunkedOutputTest::number).toList())
        .isEqualTo(List.of(new Event.Data<>(-1), 0, 1, 2, new Event.Data<>(3)));
    assertThat(output.received()).isEqualTo(5);
    assertThat(output.waiting()).isZero();
  }

  @Test
  void aRunWhoseEventCannotBeMade_throwsToTheReader_andTheRecordWaitsForTheNextTake()
      throws InterruptedException {
    // given: a run of one record (so the reader takes it with the token) whose headers throw once
    var output = output(10);
    var record =
        new ConsumerRecord<Object, Object>(
            "t",
            0,
            7,
            0L,
            TimestampType.CREATE_TIME,
            0,
            1,
            null,
            ByteBuffer.wrap(new byte[] {1}),
            new FailingOnceHeaders(),
            Optional.empty());
    var run =
        new DeferredRecords<String, Integer>(List.of(record), null, new Object[] {7}, 0, 0, 1);
    output.append(List.of(run), 0, 1, false);

    // when
    Throwable failure = catchThrowable(() -> Select.select(output.receiveClause()));
    var next = new java.util.concurrent.atomic.AtomicReference<Object>();
    Thread reader = Thread.ofVirtual().start(() -> next.set(receiveQuietly(output)));

    // then: nothing was taken, and the next take gets the record (not a reader blocked for good)
    assertThat(failure).isInstanceOf(IllegalStateException.class);
    assertThat(reader.join(Duration.ofSeconds(5))).as("the next take returns").isTrue();
    assertThat(number(next.get())).isEqualTo(7);
    assertThat(output.received()).isEqualTo(1);
  }

  /** Headers whose first {@code toArray} throws, as a fault while the reader makes an event. */
  private static final class FailingOnceHeaders extends RecordHeaders {
    private boolean failed;

    @Override
    public Header[] toArray() {
      if (!failed) {
        failed = true;
        throw new IllegalStateException("a fault while making the event");
      }
      return super.toArray();
    }
  }

  private static Object receiveQuietly(ChunkedOutput<Event<Integer>> output) {
    try {
      return output.receive();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void receiveClause_inASelectWithTheReadersOwnChannel_takesWhicheverIsReady()
      throws InterruptedException {
    // given
    var output = output(10);
    Channel<Event<Integer>> own = Channel.newBufferedChannel(1);
    output.append(data(0, 2), 0, 2, false);

    // when: the output has events; then it has none and the reader's own channel has one
    Event<Integer> first = Select.select(output.receiveClause(), own.receiveClause());
    Event<Integer> second = Select.select(output.receiveClause(), own.receiveClause());
    own.send(new Event.Data<>(99));
    Event<Integer> third = Select.select(output.receiveClause(), own.receiveClause());

    // then
    assertThat(List.of(first, second, third))
        .containsExactly(new Event.Data<>(0), new Event.Data<>(1), new Event.Data<>(99));
    assertThat(output.received()).isEqualTo(2);
  }

  @Test
  void receive_onAnEmptyOutput_waitsForTheNextBatch() throws InterruptedException {
    // given
    var output = output(10);
    var result = new java.util.concurrent.atomic.AtomicReference<Event<Integer>>();
    var done = new CountDownLatch(1);
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                result.set(output.receive());
                done.countDown();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });

    // when
    output.append(data(7, 8), 0, 1, false);

    // then
    assertThat(done.await(10, TimeUnit.SECONDS)).as("the reader was woken").isTrue();
    assertThat(result.get()).isEqualTo(new Event.Data<>(7));
  }

  @Test
  void readersAtOnce_byReceiveAndBySelect_takeEveryEventOnce_eachInOrder()
      throws InterruptedException {
    readersAtOnce(false);
  }

  @Test
  void readersAtOnce_takeEveryRecordOfRunsOnce_eachInOrder() throws InterruptedException {
    readersAtOnce(true);
  }

  /** Four readers, half by select, while the loop appends batches (or runs of records). */
  private static void readersAtOnce(boolean runs) throws InterruptedException {
    // given: a small output, so that the loop waits for room and readers for events
    int events = 20_000;
    var output = output(8);
    List<List<Integer>> takenByReader = new ArrayList<>();
    AtomicInteger takenInAll = new AtomicInteger();
    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      List<Integer> mine = Collections.synchronizedList(new ArrayList<>());
      takenByReader.add(mine);
      boolean bySelect = r % 2 == 0;
      readers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (true) {
                        Object next =
                            bySelect
                                ? Select.selectOrClosed(output.receiveClause())
                                : output.receiveOrClosed();
                        if (!(next instanceof Event.Data<?>(Object value))) {
                          return; // closed, after EOF
                        }
                        mine.add(
                            (Integer)
                                (value instanceof Received<?, ?> record ? record.value() : value));
                        takenInAll.incrementAndGet();
                      }
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }));
    }

    // when: the loop appends batches of 1 to 5 as room allows, then EOF
    int next = 0;
    long appended = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (next < events) {
      assertThat(System.nanoTime()).as("readers keep taking events").isLessThan(deadline);
      long room = 8 - (appended - output.received());
      if (room == 0) {
        output.awaitRoom(TimeUnit.MILLISECONDS.toNanos(10));
        continue;
      }
      int count = (int) Math.min(Math.min(room, 1 + next % 5), events - next);
      if (runs) {
        output.append(List.of(run(next, next + count)), 0, 1, false);
      } else {
        output.append(data(next, next + count), 0, count, false);
      }
      next += count;
      appended += count;
    }
    while (8 - (appended - output.received()) == 0) {
      assertThat(System.nanoTime()).as("readers keep taking events").isLessThan(deadline);
      output.awaitRoom(TimeUnit.MILLISECONDS.toNanos(10));
    }
    output.append(List.of(new Event.Eof<>()), 0, 1, true);

    // then: every event taken once; each reader saw its events in order; EOF ends them all
    for (Thread reader : readers) {
      assertThat(reader.join(Duration.ofSeconds(20))).as("a reader saw the end").isTrue();
    }
    List<Integer> all = new ArrayList<>();
    for (List<Integer> mine : takenByReader) {
      assertThat(mine).isSorted();
      all.addAll(mine);
    }
    assertThat(all).hasSize(events).doesNotHaveDuplicates();
    assertThat(output.received()).isEqualTo(events + 1L);
  }

  @Test
  void afterEofIsTaken_theOutputIsClosedForReceive() throws InterruptedException {
    // given
    var output = output(4);
    output.append(List.of(new Event.Data<>(1), new Event.Eof<>()), 0, 2, true);

    // when
    Event<Integer> data = output.receive();
    Object closedBefore = output.closedForReceive();
    Event<Integer> eof = output.receive();

    // then
    assertThat(data).isEqualTo(new Event.Data<>(1));
    assertThat(closedBefore).isNull();
    assertThat(eof).isInstanceOf(Event.Eof.class);
    assertThat(output.receiveOrClosed()).isInstanceOf(ChannelDone.class);
    assertThat(output.closedForReceive()).isInstanceOf(ChannelDone.class);
    assertThat(output.closedForSend()).isInstanceOf(ChannelDone.class);
  }

  @Test
  void doneByTheReader_abandonsTheOutput_andReleasesALoopWaitingForRoom()
      throws InterruptedException {
    // given: a full output and a loop waiting for room
    var output = output(1);
    output.append(data(0, 1), 0, 1, false);
    var released = new CountDownLatch(1);
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                output.awaitRoom(TimeUnit.SECONDS.toNanos(60));
                released.countDown();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });

    // when
    output.done();

    // then
    assertThat(released.await(10, TimeUnit.SECONDS)).as("the waiting loop went on").isTrue();
    assertThat(output.abandoned()).isTrue();
  }

  @Test
  void errorByAReader_givesReadersTheErrorAtOnce_thoughEventsWait() throws InterruptedException {
    // given
    var output = output(10);
    output.append(data(0, 5), 0, 5, false);
    output.receive();

    // when
    output.error(new IllegalStateException("enough"));

    // then
    assertThat(output.receiveOrClosed()).isInstanceOf(ChannelError.class);
    assertThat(output.abandoned()).isTrue();
  }

  @Test
  void doneByAReader_givesReadersNoMoreEvents() throws InterruptedException {
    // given
    var output = output(10);
    output.append(data(0, 5), 0, 5, false);

    // when
    output.done();

    // then
    assertThat(output.receiveOrClosed()).isInstanceOf(ChannelDone.class);
  }

  @Test
  void append_withTheLoopsInterruptPending_keepsTheEventsReachable() throws InterruptedException {
    // given
    var output = output(4);

    // when
    Thread.currentThread().interrupt();
    output.append(data(0, 1), 0, 1, false);
    boolean stillInterrupted = Thread.interrupted();

    // then
    assertThat(stillInterrupted).as("the interrupt is kept for the loop").isTrue();
    assertThat(output.receive()).isEqualTo(new Event.Data<>(0));
  }

  @Test
  void wakeWhenReceived_runsOnceReadersHaveTakenThatMany() throws InterruptedException {
    // given
    AtomicInteger wakes = new AtomicInteger();
    var output = new ChunkedOutput<Event<Integer>>(10, wakes::incrementAndGet, new UnreadErrors());
    output.append(data(0, 5), 0, 5, false);
    output.wakeWhenReceived(3);

    // when
    output.receive();
    output.receive();
    int afterTwo = wakes.get();
    output.receive();
    output.receive();

    // then
    assertThat(afterTwo).isZero();
    assertThat(wakes.get()).isEqualTo(1);
  }

  @Test
  void wakeWhenReceived_whenReadersAlreadyTookThatMany_wakesAtOnce() throws InterruptedException {
    // given
    AtomicInteger wakes = new AtomicInteger();
    var output = new ChunkedOutput<Event<Integer>>(10, wakes::incrementAndGet, new UnreadErrors());
    output.append(data(0, 3), 0, 3, false);
    output.receive();
    output.receive();

    // when
    output.wakeWhenReceived(2);

    // then
    assertThat(wakes.get()).isEqualTo(1);
  }

  @Test
  void wakeWhenReceived_askedWhileAReaderTakes_isNeverLost() throws InterruptedException {
    // given: rounds in which the loop asks to be woken at the next event just as the reader takes
    // it, and the reader then takes nothing more until the loop was woken: a lost wake-up would
    // be lost for good
    int rounds = 20_000;
    var go = new Semaphore(0);
    var woken = new Semaphore(0);
    var output = new ChunkedOutput<Event<Integer>>(rounds, woken::release, new UnreadErrors());
    output.append(data(0, rounds), 0, rounds, false);
    Thread reader =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    for (int i = 0; i < rounds; i++) {
                      go.acquire();
                      output.receive();
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });

    try {
      for (int round = 1; round <= rounds; round++) {
        // when
        go.release();
        output.wakeWhenReceived(round);

        // then
        assertThat(woken.tryAcquire(10, TimeUnit.SECONDS))
            .as("woken once the reader took event %d", round)
            .isTrue();
      }
    } finally {
      reader.interrupt();
    }
  }
}
