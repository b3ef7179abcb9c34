package io.gregor.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.gregor.ErrorKind;
import io.gregor.Event;
import io.gregor.Failure;
import io.gregor.GregorException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class UnreadErrorsTest {
  private final UnreadErrors errors = new UnreadErrors();
  private final Logger log = (Logger) LoggerFactory.getLogger("UnreadErrorsTest");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  @BeforeEach
  void captureLogs() {
    appender.start();
    log.addAppender(appender);
  }

  @AfterEach
  void stopCapturing() {
    log.detachAppender(appender);
  }

  private static Event.Error<Object> error(ErrorKind kind, String message) {
    return new Event.Error<>(new Failure(kind, message, null, null));
  }

  private List<String> warnings() {
    return appender.list.stream()
        .filter(event -> event.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  @Test
  void reportAtClose_errorsNobodyTook_areOneWarningCountedByKind_withTheLatestAsExamples() {
    // given
    for (int i = 0; i < 5; i++) {
      errors.queued(error(ErrorKind.INVALID_MESSAGE, "bad " + i));
    }
    errors.queued(error(ErrorKind.SEND_FAILED, "too large"));
    errors.queued(new Event.Result<>(new io.gregor.Operation.Flush(), null));

    // when
    errors.reportAtClose("producer", false, log);

    // then
    assertThat(warnings())
        .singleElement()
        .asString()
        .startsWith("producer closed with 6 error events nobody read from its output")
        .contains("INVALID_MESSAGE: 5, SEND_FAILED: 1")
        .contains(
            "[INVALID_MESSAGE: bad 3]", "[INVALID_MESSAGE: bad 4]", "[SEND_FAILED: too large]")
        .doesNotContain("bad 2");
  }

  @Test
  void reportAtClose_errorsTaken_areNotReported_norShownAsExamples() {
    // given
    var first = error(ErrorKind.DESERIALIZATION, "first");
    var second = error(ErrorKind.DESERIALIZATION, "second");
    errors.queued(first);
    errors.queued(second);
    errors.taken(first);

    // when
    errors.reportAtClose("consumer", false, log);

    // then
    assertThat(warnings())
        .singleElement()
        .asString()
        .contains("1 error event nobody read", "DESERIALIZATION: 1", "second")
        .doesNotContain("first");
  }

  @Test
  void reportAtClose_everyErrorTaken_reportsNothing() {
    // given
    var only = error(ErrorKind.TRANSDUCER, "once");
    errors.queued(only);
    errors.taken(only);

    // when
    errors.reportAtClose("consumer", true, log);

    // then
    assertThat(appender.list).isEmpty();
  }

  @Test
  void reportAtClose_whenTheReaderFinishedTheOutput_reportsNothing_becauseItAskedForNoMore() {
    // given
    errors.queued(error(ErrorKind.SEND_FAILED, "dropped"));
    errors.readerFinished();

    // when
    errors.reportAtClose("producer", true, log);

    // then
    assertThat(appender.list).isEmpty();
  }

  @Test
  void reportAtClose_failing_throwsTheSummary_withTheFirstKindAndTheExamples() {
    // given
    errors.queued(error(ErrorKind.SEND_FAILED, "too large"));

    // when / then
    assertThatThrownBy(() -> errors.reportAtClose("producer", true, log))
        .isInstanceOfSatisfying(
            GregorException.class,
            e -> {
              assertThat(e.failure().kind()).isEqualTo(ErrorKind.SEND_FAILED);
              assertThat(e.getMessage()).contains("1 error event nobody read", "too large");
              assertThat(e.failure().subject())
                  .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                  .hasSize(1);
            });
    assertThat(warnings()).isEmpty();
  }

  @Test
  void reportAtClose_calledAgain_reportsNothingMore() {
    // given
    errors.queued(error(ErrorKind.SEND_FAILED, "too large"));
    errors.reportAtClose("producer", false, log);

    // when
    errors.reportAtClose("producer", true, log);

    // then
    assertThat(warnings()).hasSize(1);
  }

  @Test
  void reportAtClose_aReaderStillTaking_getsToTakeTheErrorsFirst() throws InterruptedException {
    // given: 40 errors, and a reader taking one every 5 ms (200 ms in all, within the grace)
    List<Event.Error<Object>> queued =
        java.util.stream.IntStream.range(0, 40)
            .mapToObj(i -> error(ErrorKind.SEND_FAILED, "e" + i))
            .toList();
    queued.forEach(errors::queued);
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  for (var event : queued) {
                    errors.taken(event);
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                  }
                });

    // when
    errors.reportAtClose("producer", true, log);

    // then
    reader.join();
    assertThat(errors.unread()).isZero();
    assertThat(appender.list).isEmpty();
  }

  @Test
  void reportAtClose_aReaderStillTakingDataEvents_getsToTheErrorsBehindThem()
      throws InterruptedException {
    // given: an output with 150 data events and an error behind them, and a reader taking an
    // event every millisecond (150 ms in all, within the grace): until the last, only data events
    var output = new ChunkedOutput<Event<Integer>>(151, () -> {}, errors);
    List<Event<Integer>> events = new java.util.ArrayList<>();
    for (int i = 0; i < 150; i++) {
      events.add(new Event.Data<>(i));
    }
    Event.Error<Integer> last =
        new Event.Error<>(new Failure(ErrorKind.POLL_FAILED, "x", null, null));
    events.add(last);
    errors.queued(last);
    output.append(events, 0, events.size(), false);
    Thread reader =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    for (int i = 0; i < events.size(); i++) {
                      output.receive();
                      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });

    // when
    errors.reportAtClose("consumer", true, log);

    // then
    reader.join();
    assertThat(errors.unread()).isZero();
    assertThat(appender.list).isEmpty();
  }

  @Test
  void countsTakenBy_aSecondOutput_isRefused_becauseCloseWatchesOneReader() {
    // given
    new ChunkedOutput<Event<Integer>>(1, () -> {}, errors);

    // when / then
    assertThatThrownBy(() -> new ChunkedOutput<Event<Integer>>(1, () -> {}, errors))
        .isInstanceOf(IllegalStateException.class);
  }
}
