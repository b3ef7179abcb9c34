package io.gregor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class MarkersTest {
  private static final TopicPartition A = new TopicPartition("a", 0);
  private static final TopicPartition B = new TopicPartition("b", 0);

  private static OffsetAndMetadata at(long offset) {
    return new OffsetAndMetadata(offset);
  }

  @Test
  void collect_carriesTheLeaderEpochOfTheMarker() {
    // given
    Markers markers = new Markers();
    markers.add(1, A, 11, 7);
    Map<TopicPartition, OffsetAndMetadata> received = new HashMap<>();

    // when
    markers.collect(1, received);

    // then
    assertThat(received).containsEntry(A, new OffsetAndMetadata(11, Optional.of(7), ""));
  }

  @Test
  void add_sameSequenceAndPartition_replacesTheLastMarker() {
    // given: records that made no event of their own follow one that did
    Markers markers = new Markers();
    markers.add(1, A, 11);
    markers.add(1, A, 12);
    markers.add(1, A, 13);

    // then
    assertThat(markers.size()).isEqualTo(1);
    Map<TopicPartition, OffsetAndMetadata> received = new HashMap<>();
    markers.collect(1, received);
    assertThat(received).containsEntry(A, at(13));
  }

  @Test
  void collect_takesOnlyMarkersTheReaderHasPassed_latestOffsetPerPartition() {
    // given
    Markers markers = new Markers();
    markers.add(1, A, 11);
    markers.add(2, B, 21);
    markers.add(3, A, 12);
    markers.add(4, A, 13);
    Map<TopicPartition, OffsetAndMetadata> received = new HashMap<>();

    // when
    markers.collect(3, received);

    // then
    assertThat(received).containsExactlyInAnyOrderEntriesOf(Map.of(A, at(12), B, at(21)));
    assertThat(markers.size()).isEqualTo(1);
  }

  @Test
  void collect_afterASeekBackwards_followsTheReader() {
    // given: offsets 10, 11, then (after a seek) 5
    Markers markers = new Markers();
    markers.add(1, A, 10);
    markers.add(2, A, 11);
    markers.add(3, A, 5);
    Map<TopicPartition, OffsetAndMetadata> received = new HashMap<>();

    // when
    markers.collect(3, received);

    // then
    assertThat(received).containsEntry(A, at(5));
  }

  @Test
  void removeAll_dropsOnlyThosePartitions_keepingOrder() {
    // given
    Markers markers = new Markers();
    markers.add(1, A, 1);
    markers.add(2, B, 1);
    markers.add(3, A, 2);
    markers.add(4, B, 2);

    // when
    markers.removeAll(List.of(B));
    Map<TopicPartition, OffsetAndMetadata> received = new HashMap<>();
    markers.collect(4, received);

    // then
    assertThat(received).isEqualTo(Map.of(A, at(2)));
    assertThat(markers.size()).isZero();
  }

  @Test
  void add_beyondTheInitialCapacity_growsAndKeepsOrder() {
    // given: more markers than the first ring holds, after the head has moved
    Markers markers = new Markers();
    Map<TopicPartition, OffsetAndMetadata> received = new HashMap<>();
    for (int i = 1; i <= 600; i++) {
      markers.add(i, A, i);
    }
    markers.collect(500, received);
    for (int i = 601; i <= 3000; i++) {
      markers.add(i, A, i);
    }

    // when
    markers.collect(2999, received);

    // then
    assertThat(received).containsEntry(A, at(2999));
    assertThat(markers.size()).isEqualTo(1);
  }

  @Test
  void add_interleavedPartitionsAtOneSequence_keepsOneMarkerPerPartition() {
    // given: polls that make no events, alternating partitions, while event 1 is not taken
    Markers markers = new Markers();
    for (int offset = 1; offset <= 1000; offset++) {
      markers.add(1, A, offset);
      markers.add(1, B, offset);
    }

    // then
    assertThat(markers.size()).isEqualTo(2);
    Map<TopicPartition, OffsetAndMetadata> received = new HashMap<>();
    markers.collect(1, received);
    assertThat(received).containsExactlyInAnyOrderEntriesOf(Map.of(A, at(1000), B, at(1000)));
  }
}
