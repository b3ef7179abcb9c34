package io.gregor;

import static io.gregor.ConsumerTesting.stringSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.stream.Gatherer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A consumer whose transducer cannot even start fails at creation and leaves no Kafka consumer
 * behind (with the KIP-848 protocol a Kafka consumer starts a background thread when made, and
 * stops it when closed).
 */
@ExtendWith(KafkaExtension.class)
@Timeout(60)
class TransducerInitializerThrowsTest {

  @Test
  void create_whenTheTransducersInitializerThrows_throws_andLeavesNoKafkaConsumer(
      EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    Gatherer<Received<String, String>, Object, String> cannotStart =
        Gatherer.ofSequential(
            () -> {
              throw new IllegalStateException("no state for you");
            },
            (state, record, downstream) -> true);
    var settings =
        stringSettings(kafka, names)
            .withKafka("group.protocol", "consumer")
            .withTransducer(cannotStart);
    long before = kafkaConsumerThreads();

    // when / then
    assertThatThrownBy(() -> Consumer.create(settings)).hasMessageContaining("no state for you");
    assertThat(kafkaConsumerThreads()).isLessThanOrEqualTo(before);
  }

  private static long kafkaConsumerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.isAlive() && thread.getName().startsWith("consumer_background"))
        .count();
  }
}
