package io.gregor;

import static io.gregor.ConsumerTesting.next;
import static io.gregor.ConsumerTesting.nextMatching;
import static io.gregor.ConsumerTesting.produceStrings;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * A misspelt or not yet created topic is a notice, not silence: Kafka's consumer waits for it and
 * only logs. This class runs its own broker, which does not create topics on demand.
 */
@Timeout(60)
class ConsumerUnknownTopicTest {
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBrokerThatDoesNotCreateTopics() {
    kafka = EmbeddedKafka.builder().brokerConfig("auto.create.topics.enable", "false").start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  private static TestNames names(TestInfo test) {
    return TestNames.unique(test.getTestMethod().orElseThrow().getName());
  }

  @Test
  void subscribe_toATopicThatDoesNotExist_isANoticeNamingIt_andItIsReadOnceCreated(TestInfo test) {
    // given: one topic that exists, with a record, and one that does not
    var names = names(test);
    String existing = names.topic("existing");
    String missing = names.topic("missing");
    kafka.createTopic(existing, 1);
    produceStrings(kafka, existing, 0, 1);
    var settings =
        ConsumerTesting.stringSettings(kafka, names)
            .withKafka("metadata.max.age.ms", 1000)
            .withTopics(existing, missing);

    try (var consumer = Consumer.create(settings)) {
      // when
      List<Failure> notices = new ArrayList<>();
      boolean read = false;
      while (!read || notices.isEmpty()) {
        switch (next(consumer.output())) {
          case Event.Data<Received<String, String>> _ -> read = true;
          case Event.Error<Received<String, String>>(var failure) -> notices.add(failure);
          case Event<Received<String, String>> other -> {}
        }
      }

      // then: one notice, naming the missing topic only
      assertThat(notices)
          .singleElement()
          .satisfies(
              notice -> {
                assertThat(notice.kind()).isEqualTo(ErrorKind.UNKNOWN_TOPIC);
                assertThat(notice.subject()).isEqualTo(missing);
                assertThat(notice.message()).contains(missing).contains("does not exist");
              });

      // and when the topic is created, its records arrive
      kafka.createTopic(missing, 1);
      produceStrings(kafka, missing, 0, 1);
      var record = nextMatching(consumer.output(), event -> event instanceof Event.Data<?>);
      assertThat(record)
          .isInstanceOfSatisfying(
              Event.Data.class,
              data -> assertThat(data.value()).hasFieldOrPropertyWithValue("topic", missing));
    }
  }

  @Test
  void assign_aPartitionTheTopicDoesNotHave_isANoticeNamingThePartition(TestInfo test) {
    // given: a topic of 2 partitions
    var names = names(test);
    kafka.createTopic(names.topic(), 2);
    var beyond = new TopicPartition(names.topic(), 5);

    try (var consumer = Consumer.create(ConsumerTesting.stringSettings(kafka, names))) {
      // when
      consumer.assign(Set.of(new TopicPartition(names.topic(), 0), beyond));

      // then
      var event = next(consumer.output());
      assertThat(event)
          .isInstanceOfSatisfying(
              Event.Error.class,
              error -> {
                Failure notice = error.failure();
                assertThat(notice.kind()).isEqualTo(ErrorKind.UNKNOWN_TOPIC);
                assertThat(notice.subject()).isEqualTo(beyond);
                assertThat(notice.message()).contains("partition 5").contains("has 2 partitions");
              });
    }
  }

  @Test
  void assign_aTopicThatDoesNotExist_isANoticeNamingIt(TestInfo test) {
    // given
    var names = names(test);
    var partition = new TopicPartition(names.topic("missing"), 0);

    try (var consumer = Consumer.create(ConsumerTesting.stringSettings(kafka, names))) {
      // when
      consumer.assign(Set.of(partition));

      // then
      var event = next(consumer.output());
      assertThat(event)
          .isInstanceOfSatisfying(
              Event.Error.class,
              error -> {
                assertThat(error.failure().kind()).isEqualTo(ErrorKind.UNKNOWN_TOPIC);
                assertThat(error.failure().subject()).isEqualTo(partition.topic());
              });
    }
  }
}
