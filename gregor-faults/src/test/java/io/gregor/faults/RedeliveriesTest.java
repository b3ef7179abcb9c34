package io.gregor.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.faults.Entry.Consumed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RedeliveriesTest {
  private final List<Consumed> reads = new ArrayList<>();

  private void read(String consumer, int partition, long from, long to) {
    for (long offset = from; offset <= to; offset++) {
      reads.add(
          new Consumed(
              "p" + partition + "-" + offset, "k", partition, offset, consumer, Duration.ZERO));
    }
  }

  @Test
  void stretches_splitOnAGapOrAStepBack() {
    // given: a reads 0..4, reads 3..5 again (reassigned), then 9..10 (after someone else)
    read("a", 0, 0, 4);
    read("a", 0, 3, 5);
    read("a", 0, 9, 10);
    read("a", 1, 0, 1);

    // then
    assertThat(Redeliveries.stretches(reads))
        .extracting(Object::toString)
        .containsExactly("a 0@0..4", "a 0@3..5", "a 0@9..10", "a 1@0..1");
  }

  @Test
  void place_aHandOverBeforeTheTailWasCommitted_putsTheRedeliveriesAtTheEdges() {
    // given: a read 0..4 but committed only 0..2; b takes over at 3
    read("a", 0, 0, 4);
    read("b", 0, 3, 6);

    // when
    var placement = Redeliveries.place(reads, Set.of("p0-3", "p0-4"));

    // then
    assertThat(placement.tails()).extracting(Consumed::consumer).containsExactly("a", "a");
    assertThat(placement.heads()).extracting(Consumed::consumer).containsExactly("b", "b");
    assertThat(placement.inside()).isEmpty();
    assertThat(placement.handOversWithTail()).isEqualTo(1);
  }

  @Test
  void place_aRedeliveryInTheMiddleOfAStretch_isInside() {
    // given: b reads offset 2 alone, which a read in the middle of its stretch
    read("a", 0, 0, 4);
    read("b", 0, 2, 2);

    // when
    var placement = Redeliveries.place(reads, Set.of("p0-2"));

    // then: b's single read is a whole stretch (its tail); a's is inside
    assertThat(placement.tails()).extracting(Consumed::consumer).containsExactly("b");
    assertThat(placement.inside()).extracting(Consumed::consumer).containsExactly("a");
  }
}
