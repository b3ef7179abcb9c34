package io.gregor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
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

  /** Records of partition A at offsets {@code from, from + 2, ...} (gaps, as compaction leaves). */
  private static List<ConsumerRecord<Object, Object>> records(long from, int count) {
    List<ConsumerRecord<Object, Object>> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      records.add(
          new ConsumerRecord<>(
              "a",
              0,
              from + 2L * i,
              0L,
              TimestampType.CREATE_TIME,
              0,
              0,
              null,
              null,
              new RecordHeaders(),
              Optional.of(100 + i)));
    }
    return records;
  }

  @Test
  void collect_partOfARun_takesTheRunUpToTheLastRecordTaken_withItsEpoch() {
    // given: a run of 5 records (offsets 10, 12, ..., 18) made events 3 to 7
    Markers markers = new Markers();
    markers.add(2, B, 21);
    markers.addRun(3, A, records(10, 5), 0, 5);
    Map<TopicPartition, OffsetAndMetadata> received = new HashMap<>();

    // when: the reader has taken events up to 5, the run's third record (offset 14)
    markers.collect(5, received);

    // then
    assertThat(received)
        .containsEntry(A, new OffsetAndMetadata(15, Optional.of(102), ""))
        .containsEntry(B, at(21));
    assertThat(markers.size()).as("the run stays until it is all taken").isEqualTo(1);

    // and when all of it is taken
    markers.collect(7, received);
    assertThat(received).containsEntry(A, new OffsetAndMetadata(19, Optional.of(104), ""));
    assertThat(markers.size()).isZero();
  }

  @Test
  void add_atARunsLastSequence_keepsTheRun() {
    // given: a run of 3 records (events 1 to 3), then a record that made no event (offset 20)
    Markers markers = new Markers();
    markers.addRun(1, A, records(10, 3), 0, 3);
    markers.add(3, A, 21);
    Map<TopicPartition, OffsetAndMetadata> received = new HashMap<>();

    // when: part of the run is taken
    markers.collect(1, received);

    // then: up to the record taken, not past the run
    assertThat(received).containsEntry(A, new OffsetAndMetadata(11, Optional.of(100), ""));
    markers.collect(3, received);
    assertThat(received).containsEntry(A, at(21));
  }

  @Test
  void removeAllAndGrowth_moveRunsWithTheirRecords() {
    // given: more markers than the ring first holds, runs of A between plain markers of B
    Markers markers = new Markers();
    long sequence = 0;
    for (int i = 0; i < 1500; i++) {
      markers.add(++sequence, B, i);
      markers.addRun(sequence + 1, A, records(1000L * i, 4), 1, 3);
      sequence += 3;
    }

    // when: B goes (revoked), and the reader is in the middle of A's last run
    markers.removeAll(List.of(B));
    Map<TopicPartition, OffsetAndMetadata> received = new HashMap<>();
    markers.collect(sequence - 1, received);

    // then: the last run's second record of three (records 1 to 3 of the list: offset 1000 * 1499 +
    // 4)
    assertThat(received)
        .containsExactlyEntriesOf(
            Map.of(A, new OffsetAndMetadata(1499L * 1000 + 4 + 1, Optional.of(102), "")));
    assertThat(markers.size()).isEqualTo(1);
  }
}
