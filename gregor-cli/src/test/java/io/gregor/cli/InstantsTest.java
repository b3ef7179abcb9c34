package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class InstantsTest {
  @Test
  void parse_takesIsoInstantsAndEpochMillis() {
    assertThat(Instants.parse("2025-01-31T12:00:00Z"))
        .isEqualTo(Instant.parse("2025-01-31T12:00:00Z"));
    assertThat(Instants.parse(" 1738324800000 ")).isEqualTo(Instant.parse("2025-01-31T12:00:00Z"));
    assertThatThrownBy(() -> Instants.parse("tomorrow"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was 'tomorrow'");
  }
}
