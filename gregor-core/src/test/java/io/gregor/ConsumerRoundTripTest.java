package io.gregor;

import static io.gregor.ConsumerTesting.data;
import static io.gregor.ConsumerTesting.produce;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Records written by a producer come out of the consumer with their keys and values decoded by each
 * built-in codec, in order per partition, with everything Kafka says about them.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class ConsumerRoundTripTest {
  private static final int PARTITIONS = 3;
  private static final int RECORDS = 60;

  /** A user's own record type, for the JSON codec. */
  record Order(String id, int quantity, List<String> items) {}

  static Stream<Arguments> codecs() {
    var mapper = JsonMapper.builder().build();
    return Stream.of(
        codec("string", Codecs.string(), i -> "text-" + i + "-é✓"),
        codec("bytes", Codecs.bytes(), i -> new byte[] {(byte) i, 0, (byte) -i, 127}),
        codec("longs", Codecs.longs(), i -> Long.MAX_VALUE - i),
        codec("ints", Codecs.ints(), i -> Integer.MIN_VALUE + i),
        codec("uuid", Codecs.uuid(), i -> new UUID(i, -i)),
        codec(
            "json record",
            Codecs.json(Order.class),
            i -> new Order("order-" + i, i, List.of("item-" + i, "extra"))),
        codec("json map", Codecs.jsonMap(), i -> Map.of("n", i, "name", "map-" + i)),
        codec(
            "json tree",
            Codecs.jsonTree(),
            i -> (JsonNode) mapper.createObjectNode().put("n", i).put("tree", true)));
  }

  private static <T> Arguments codec(String name, Codec<T> codec, IntFunction<T> values) {
    return Arguments.argumentSet(name, codec, values);
  }

  @ParameterizedTest
  @MethodSource("codecs")
  <T> void roundTrip_keysAndValues_arriveDecodedInOrderPerPartition(
      Codec<T> codec, IntFunction<T> values, EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), PARTITIONS);
    List<ProducerRecord<T, T>> records = new ArrayList<>();
    for (int i = 0; i < RECORDS; i++) {
      records.add(
          new ProducerRecord<>(names.topic(), i % PARTITIONS, values.apply(i), values.apply(-i)));
    }
    produce(kafka, codec, codec, records);

    // when
    List<Received<T, T>> received;
    try (var consumer =
        Consumer.create(
            ConsumerSettings.create(kafka.bootstrapServers(), names.group(), codec, codec)
                .withKafka("auto.offset.reset", "earliest")
                .withTopics(names.topic()))) {
      received = data(consumer.output(), RECORDS);
    }

    // then
    Map<Integer, List<Received<T, T>>> byPartition =
        received.stream()
            .collect(Collectors.groupingBy(Received::partition, TreeMap::new, Collectors.toList()));
    assertThat(byPartition).containsOnlyKeys(0, 1, 2);
    byPartition.forEach(
        (partition, list) -> {
          var expected =
              records.stream().filter(record -> record.partition().equals(partition)).toList();
          assertThat(list).extracting(Received::offset).isSorted();
          assertThat(list).extracting(Received::key).containsExactlyElementsOf(keys(expected));
          assertThat(list).extracting(Received::value).containsExactlyElementsOf(values(expected));
        });
  }

  private static <T> List<T> keys(List<ProducerRecord<T, T>> records) {
    return records.stream().map(ProducerRecord::key).toList();
  }

  private static <T> List<T> values(List<ProducerRecord<T, T>> records) {
    return records.stream().map(ProducerRecord::value).toList();
  }

  @Test
  void received_carriesEverythingKafkaSaysAboutTheRecord(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 2);
    var timestamp = Instant.now().minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS);
    var record =
        new ProducerRecord<>(
            names.topic(),
            1,
            timestamp.toEpochMilli(),
            "the-key",
            "the-value",
            List.of(
                new RecordHeader("trace", "abc".getBytes(StandardCharsets.UTF_8)),
                new RecordHeader("empty", null)));
    produce(kafka, new StringSerializer(), new StringSerializer(), List.of(record));

    // when
    Received<String, String> received;
    try (var consumer =
        Consumer.create(ConsumerTesting.stringSettings(kafka, names).withTopics(names.topic()))) {
      received = data(consumer.output(), 1).getFirst();
    }

    // then
    assertThat(received.topic()).isEqualTo(names.topic());
    assertThat(received.partition()).isEqualTo(1);
    assertThat(received.offset()).isZero();
    assertThat(received.timestamp()).isEqualTo(timestamp);
    assertThat(received.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
    assertThat(received.key()).isEqualTo("the-key");
    assertThat(received.value()).isEqualTo("the-value");
    assertThat(received.headers())
        .containsExactly(Header.of("trace", "abc"), Header.of("empty", null));
    assertThat(received.serializedKeySize()).isEqualTo(7);
    assertThat(received.serializedValueSize()).isEqualTo(9);
    assertThat(received.leaderEpoch()).isNotNull().isNotNegative();
    assertThat(received.coordinates()).isEqualTo(new Failure.Coordinates(names.topic(), 1, 0));
  }

  @Test
  void received_tombstoneAndNoKey_areNullsWithSizeMinusOne(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    produce(
        kafka,
        new StringSerializer(),
        new StringSerializer(),
        List.of(new ProducerRecord<String, String>(names.topic(), 0, null, null)));

    // when
    Received<String, String> received;
    try (var consumer =
        Consumer.create(ConsumerTesting.stringSettings(kafka, names).withTopics(names.topic()))) {
      received = data(consumer.output(), 1).getFirst();
    }

    // then
    assertThat(received.key()).isNull();
    assertThat(received.value()).isNull();
    assertThat(received.serializedKeySize()).isEqualTo(-1);
    assertThat(received.serializedValueSize()).isEqualTo(-1);
  }

  @Test
  void roundTrip_fromTheGregorProducer_arrivesInOrder(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given
    kafka.createTopic(names.topic(), 1);
    var orders = new ArrayList<Order>();
    for (int i = 0; i < 20; i++) {
      orders.add(new Order("order-" + i, i, List.of("item")));
    }
    try (var producer =
        Producer.create(
            ProducerSettings.create(
                kafka.bootstrapServers(), Codecs.uuid(), Codecs.json(Order.class)))) {
      for (int i = 0; i < orders.size(); i++) {
        producer.input().send(Message.of(names.topic(), new UUID(0, i), orders.get(i)));
      }
      producer.flush();
    }

    // when
    List<Received<UUID, Order>> received;
    try (var consumer =
        Consumer.create(
            ConsumerSettings.create(
                    kafka.bootstrapServers(),
                    names.group(),
                    Codecs.uuid(),
                    Codecs.json(Order.class))
                .withKafka("auto.offset.reset", "earliest")
                .withTopics(names.topic()))) {
      received = data(consumer.output(), orders.size());
    }

    // then
    assertThat(received).extracting(Received::value).containsExactlyElementsOf(orders);
    assertThat(received)
        .extracting(r -> r.key().getLeastSignificantBits())
        .containsExactlyElementsOf(Stream.iterate(0L, i -> i + 1).limit(orders.size()).toList());
  }
}
