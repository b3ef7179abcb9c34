package io.gregor;

import static io.gregor.ConsumerTesting.awaitAssignment;
import static io.gregor.ConsumerTesting.produceStrings;
import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A transducer that expands each record into many outputs cannot make a poll's worth of records
 * into unbounded memory: records go through only while the output has room, the rest wait as
 * records, and the partitions stay paused.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class FlatMapExpansionBoundTest {
  private static final int OUTPUT_BUFFER = 16;
  private static final int MAX_POLL_RECORDS = 100;
  private static final int COPIES = 1_000;

  @Test
  void flatMap_withNoReader_expandsOnlyAsFarAsTheLimitAllows(EmbeddedKafka kafka, TestNames names)
      throws InterruptedException {
    // given: 100 records, each expanded into 1,000 outputs; nobody reads
    kafka.createTopic(names.topic(), 1);
    produceStrings(kafka, names.topic(), 0, MAX_POLL_RECORDS);
    var expanded = new AtomicLong();
    try (var consumer =
        Consumer.create(
            stringSettings(kafka, names)
                .withOutputBufferSize(OUTPUT_BUFFER)
                .withKafka("max.poll.records", MAX_POLL_RECORDS)
                .withTopics(names.topic())
                .withTransducer(
                    Transducers.<Received<String, String>, Long>flatMap(
                        record -> {
                          expanded.incrementAndGet();
                          return Stream.iterate(0L, i -> i + 1).limit(COPIES);
                        })))) {
      awaitAssignment(consumer.output());

      // when: the poll arrived, and the loop has finished with it (a direct call runs between
      // two iterations, so once it returns, the records of that poll went as far as they go)
      await().atMost(Duration.ofSeconds(30)).until(() -> expanded.get() > 0);
      consumer.assignment();
      long limit = Math.max(OUTPUT_BUFFER, MAX_POLL_RECORDS);

      // then: at most the records needed to fill the limit, plus one, were expanded (not 100)
      assertThat(expanded.get()).isLessThanOrEqualTo(limit / COPIES + 2);
    }
  }
}
