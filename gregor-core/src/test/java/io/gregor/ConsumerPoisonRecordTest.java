package io.gregor;

import static io.gregor.ConsumerTesting.next;
import static io.gregor.ConsumerTesting.produce;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Records that cannot be deserialized do not stop the consumer or hide the others. */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ConsumerPoisonRecordTest {
  private static final int PARTITIONS = 3;
  private static final int RECORDS = 10_000;
  private static final int POISON = 4_321;

  @Test
  void poisonRecord_amongTenThousand_isOneErrorWithItsCoordinates_andTheOthersArrive(
      EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: ints, except one value of three bytes
    kafka.createTopic(names.topic(), PARTITIONS);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(RECORDS);
    for (int i = 0; i < RECORDS; i++) {
      byte[] value = i == POISON ? new byte[] {1, 2, 3} : ByteBuffer.allocate(4).putInt(i).array();
      records.add(new ProducerRecord<>(names.topic(), i % PARTITIONS, null, value));
    }
    produce(kafka, new ByteArraySerializer(), new ByteArraySerializer(), records);
    var poisonCoordinates =
        new Failure.Coordinates(names.topic(), POISON % PARTITIONS, POISON / PARTITIONS);

    try (var consumer =
        Consumer.create(
            ConsumerSettings.create(
                    kafka.bootstrapServers(), names.group(), Codecs.bytes(), Codecs.ints())
                .withKafka("auto.offset.reset", "earliest")
                .withTopics(names.topic()))) {
      Set<Integer> values = new HashSet<>();
      List<Failure> failures = new ArrayList<>();

      // when
      while (values.size() + failures.size() < RECORDS) {
        switch (next(consumer.output())) {
          case Event.Data<Received<byte[], Integer>>(var record) -> {
            assertThat(values.add(record.value())).as("%s is new", record.value()).isTrue();
          }
          case Event.Error<Received<byte[], Integer>>(var failure) -> failures.add(failure);
          case Event<Received<byte[], Integer>> other -> {}
        }
      }

      // then
      assertThat(failures)
          .singleElement()
          .satisfies(
              failure -> {
                assertThat(failure.kind()).isEqualTo(ErrorKind.DESERIALIZATION);
                assertThat(failure.subject()).isEqualTo(poisonCoordinates);
              });
      assertThat(values).hasSize(RECORDS - 1).doesNotContain(POISON);
    }
  }

  @Test
  void
      poisonRecords_oneInAThousandOfAHundredThousand_eachIsAnErrorWithItsCoordinates_andTheRestArriveInOrder(
          EmbeddedKafka kafka, TestNames names) throws InterruptedException {
    // given: 100,000 ints over 3 partitions, every 1,000th (from the 500th) three bytes long
    int records = 100_000;
    kafka.createTopic(names.topic(), PARTITIONS);
    List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>(records);
    Set<Failure.Coordinates> poisoned = new HashSet<>();
    for (int i = 0; i < records; i++) {
      boolean poison = i % 1_000 == 500;
      byte[] value = poison ? new byte[] {1, 2, 3} : ByteBuffer.allocate(4).putInt(i).array();
      batch.add(new ProducerRecord<>(names.topic(), i % PARTITIONS, null, value));
      if (poison) {
        poisoned.add(new Failure.Coordinates(names.topic(), i % PARTITIONS, i / PARTITIONS));
      }
    }
    produce(kafka, new ByteArraySerializer(), new ByteArraySerializer(), batch);

    try (var consumer =
        Consumer.create(
            ConsumerSettings.create(
                    kafka.bootstrapServers(), names.group(), Codecs.bytes(), Codecs.ints())
                .withKafka("auto.offset.reset", "earliest")
                .withTopics(names.topic()))) {
      List<List<Integer>> perPartition =
          List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
      List<Failure> failures = new ArrayList<>();
      int delivered = 0;

      // when
      while (delivered + failures.size() < records) {
        switch (next(consumer.output())) {
          case Event.Data<Received<byte[], Integer>>(var record) -> {
            perPartition.get(record.partition()).add(record.value());
            delivered++;
          }
          case Event.Error<Received<byte[], Integer>>(var failure) -> failures.add(failure);
          case Event<Received<byte[], Integer>> other -> {}
        }
      }

      // then: one DESERIALIZATION error per poison record, at its coordinates
      assertThat(failures).allMatch(failure -> failure.kind() == ErrorKind.DESERIALIZATION);
      assertThat(failures)
          .extracting(Failure::subject)
          .containsExactlyInAnyOrderElementsOf(poisoned);
      // and every other record, once, in its partition's order
      assertThat(delivered).isEqualTo(records - poisoned.size());
      for (int partition = 0; partition < PARTITIONS; partition++) {
        List<Integer> expected = new ArrayList<>();
        for (int i = partition; i < records; i += PARTITIONS) {
          if (i % 1_000 != 500) {
            expected.add(i);
          }
        }
        assertThat(perPartition.get(partition))
            .as("partition %d, in order", partition)
            .isEqualTo(expected);
      }
    }
  }
}
