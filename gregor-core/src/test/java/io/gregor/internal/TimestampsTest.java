package io.gregor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Records' timestamps: one instant per millisecond, whatever order the milliseconds come in. */
class TimestampsTest {
  private final Timestamps timestamps = new Timestamps();

  @Test
  void of_theSameMillisecondAgain_isTheSameInstant() {
    // given
    Instant first = timestamps.of(1_700_000_000_123L);

    // when
    Instant again = timestamps.of(1_700_000_000_123L);

    // then
    assertThat(again).isSameAs(first).isEqualTo(Instant.ofEpochMilli(1_700_000_000_123L));
  }

  @Test
  void of_anotherMillisecond_isThatInstant_andSoIsTheFirstOneAfterIt() {
    // given
    timestamps.of(5L);

    // when / then: earlier, later, negative (no timestamp), and back
    assertThat(timestamps.of(4L)).isEqualTo(Instant.ofEpochMilli(4L));
    assertThat(timestamps.of(6L)).isEqualTo(Instant.ofEpochMilli(6L));
    assertThat(timestamps.of(-1L)).isEqualTo(Instant.ofEpochMilli(-1L));
    assertThat(timestamps.of(0L)).isEqualTo(Instant.EPOCH);
    assertThat(timestamps.of(5L)).isEqualTo(Instant.ofEpochMilli(5L));
  }
}
