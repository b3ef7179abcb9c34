package io.gregor.internal;

import static io.gregor.internal.MissingTopics.FIRST_CHECK_MILLIS;
import static io.gregor.internal.MissingTopics.RETRY_MILLIS;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.ErrorKind;
import io.gregor.Failure;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

class MissingTopicsTest {
  private static final MissingTopics.Lookup CLUSTER = cluster(Map.of("orders", 3, "audit", 1));
  private static final MissingTopics.Lookup NO_ANSWER =
      new MissingTopics.Lookup() {
        @Override
        public Map<String, Integer> partitionCounts() {
          throw new TimeoutException("no answer");
        }

        @Override
        public int partitionCount(String topic) {
          throw new TimeoutException("no answer");
        }
      };

  /** A cluster with these topics, all visible to the consumer. */
  private static MissingTopics.Lookup cluster(Map<String, Integer> topics) {
    return new MissingTopics.Lookup() {
      @Override
      public Map<String, Integer> partitionCounts() {
        return topics;
      }

      @Override
      public int partitionCount(String topic) {
        return topics.getOrDefault(topic, 0);
      }
    };
  }

  private final MissingTopics missing = new MissingTopics();

  @Test
  void due_aMomentAfterTheSubscription_soThatTheConsumerHasAskedForTheTopicsFirst() {
    // when
    missing.subscribed(List.of("orders"), 0);

    // then
    assertThat(missing.due(FIRST_CHECK_MILLIS - 1)).isFalse();
    assertThat(missing.due(FIRST_CHECK_MILLIS)).isTrue();
  }

  @Test
  void check_subscribedTopicsThatExist_reportsNothing_andEndsTheCheck() {
    // given
    missing.subscribed(List.of("orders", "audit"), 0);

    // when / then
    assertThat(missing.check(CLUSTER, FIRST_CHECK_MILLIS)).isEmpty();
    assertThat(missing.due(Long.MAX_VALUE / 2)).isFalse();
  }

  @Test
  void check_aSubscribedTopicMissingTwice_isOneNoticeNamingIt() {
    // given
    missing.subscribed(List.of("orders", "ordres"), 0);
    assertThat(missing.check(CLUSTER, FIRST_CHECK_MILLIS)).isEmpty();
    assertThat(missing.due(FIRST_CHECK_MILLIS + RETRY_MILLIS)).isTrue();

    // when
    List<Failure> notices = missing.check(CLUSTER, FIRST_CHECK_MILLIS + RETRY_MILLIS);

    // then
    assertThat(notices)
        .singleElement()
        .satisfies(
            notice -> {
              assertThat(notice.kind()).isEqualTo(ErrorKind.UNKNOWN_TOPIC);
              assertThat(notice.subject()).isEqualTo("ordres");
              assertThat(notice.message()).contains("'ordres' does not exist");
            });
    assertThat(missing.due(Long.MAX_VALUE / 2)).isFalse();
  }

  @Test
  void check_aTopicCreatedBetweenTheTwoLooks_isNoNotice() {
    // given: missing at the first look
    missing.subscribed(List.of("ordres"), 0);
    missing.check(CLUSTER, FIRST_CHECK_MILLIS);

    // when: created since
    List<Failure> notices = missing.check(cluster(Map.of("ordres", 1)), 10_000);

    // then
    assertThat(notices).isEmpty();
    assertThat(missing.due(Long.MAX_VALUE / 2)).isFalse();
  }

  @Test
  void check_anAssignedPartitionBeyondTheTopics_isANoticeAtTheFirstLook() {
    // given
    missing.assigned(Set.of(new TopicPartition("orders", 2), new TopicPartition("orders", 7)), 0);

    // when
    List<Failure> notices = missing.check(CLUSTER, FIRST_CHECK_MILLIS);

    // then
    assertThat(notices)
        .singleElement()
        .satisfies(
            notice -> {
              assertThat(notice.subject()).isEqualTo(new TopicPartition("orders", 7));
              assertThat(notice.message()).contains("partition 7").contains("has 3 partitions");
            });
  }

  @Test
  void assigned_afterAMissingTopicWasReported_checksTheNewAssignmentAgain() {
    // given
    missing.subscribed(List.of("ordres"), 0);
    missing.check(CLUSTER, 1_000);
    missing.check(CLUSTER, 3_000);

    // when
    missing.assigned(Set.of(new TopicPartition("ordres", 0)), 5_000);

    // then
    assertThat(missing.due(5_000 + FIRST_CHECK_MILLIS)).isTrue();
  }

  @Test
  void check_whenTheClusterDoesNotAnswer_isTriedAgainLater_andDoesNotCountAsALook() {
    // given
    missing.subscribed(List.of("ordres"), 0);

    // when
    List<Failure> notices = missing.check(NO_ANSWER, 1_000);

    // then
    assertThat(notices).isEmpty();
    assertThat(missing.due(1_000 + RETRY_MILLIS - 1)).isFalse();
    assertThat(missing.check(CLUSTER, 1_000 + RETRY_MILLIS)).isEmpty(); // the first real look
    assertThat(missing.check(CLUSTER, 1_000 + 2 * RETRY_MILLIS)).hasSize(1);
  }

  @Test
  void check_refusedByTheBroker_endsTheCheck_becausePollReportsThat() {
    // given
    missing.subscribed(List.of("secret"), 0);
    var refusing =
        new MissingTopics.Lookup() {
          @Override
          public Map<String, Integer> partitionCounts() {
            throw new TopicAuthorizationException(Set.of("secret"));
          }

          @Override
          public int partitionCount(String topic) {
            throw new TopicAuthorizationException(Set.of("secret"));
          }
        };

    // when
    List<Failure> notices = missing.check(refusing, FIRST_CHECK_MILLIS);

    // then
    assertThat(notices).isEmpty();
    assertThat(missing.due(Long.MAX_VALUE / 2)).isFalse();
  }

  @Test
  void check_aTopicTheConsumerMayNotSee_isNoNotice_thoughTheListLeavesItOut() {
    // given: a topic left out of the list, which the broker refuses to describe
    missing.subscribed(List.of("secret"), 0);
    var hiding =
        new MissingTopics.Lookup() {
          @Override
          public Map<String, Integer> partitionCounts() {
            return Map.of("orders", 3);
          }

          @Override
          public int partitionCount(String topic) {
            throw new TopicAuthorizationException(Set.of(topic));
          }
        };
    missing.check(hiding, FIRST_CHECK_MILLIS);

    // when
    List<Failure> notices = missing.check(hiding, FIRST_CHECK_MILLIS + RETRY_MILLIS);

    // then
    assertThat(notices).isEmpty();
    assertThat(missing.due(Long.MAX_VALUE / 2)).isFalse();
  }

  @Test
  void check_whileTheClusterDoesNotAnswer_looksLessAndLessOften() {
    // given
    missing.subscribed(List.of("ordres"), 0);
    long now = FIRST_CHECK_MILLIS;

    // when / then: 2 s, 4 s, 8 s ... up to a minute between lookups
    long wait = RETRY_MILLIS;
    for (int i = 0; i < 8; i++) {
      missing.check(NO_ANSWER, now);
      assertThat(missing.due(now + wait - 1)).as("lookup %d", i).isFalse();
      assertThat(missing.due(now + wait)).isTrue();
      now += wait;
      wait = Math.min(MissingTopics.MAX_RETRY_MILLIS, wait * 2);
    }
  }

  @Test
  void clear_afterASubscriptionByPattern_checksNothing() {
    // given
    missing.subscribed(List.of("ordres"), 0);

    // when
    missing.clear();

    // then
    assertThat(missing.due(FIRST_CHECK_MILLIS)).isFalse();
  }
}
