package io.gregor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RepeatedFailuresTest {
  private final RepeatedFailures failures = new RepeatedFailures();

  @Test
  void report_sameFailureWhileTheLastReportIsUnread_isHeldBack() {
    // given: a report with sequence number 3, not yet taken (the reader took 2 events)
    assertThat(failures.report("POLL_FAILED: x", 2)).isEmpty();
    failures.reported(3);

    // when / then: repeats add nothing while nobody reads
    for (int i = 0; i < 1000; i++) {
      assertThat(failures.report("POLL_FAILED: x", 2)).isNull();
    }
  }

  @Test
  void report_sameFailureAfterTheReaderTookTheLast_saysHowManyWereHeldBack() {
    // given
    failures.report("POLL_FAILED: x", 0);
    failures.reported(1);
    failures.report("POLL_FAILED: x", 0);
    failures.report("POLL_FAILED: x", 0);

    // when: the reader has taken the first report
    String suffix = failures.report("POLL_FAILED: x", 1);

    // then
    assertThat(suffix).isEqualTo(" (the same failure 2 more times before this one)");
  }

  @Test
  void report_aDifferentFailure_isReportedAtOnce() {
    // given
    failures.report("POLL_FAILED: x", 0);
    failures.reported(1);

    // when / then
    assertThat(failures.report("AUTHORIZATION: y", 0)).isEmpty();
  }
}
