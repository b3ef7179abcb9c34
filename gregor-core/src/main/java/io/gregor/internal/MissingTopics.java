package io.gregor.internal;

import io.gregor.ErrorKind;
import io.gregor.Failure;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * Tells the reader when a topic it subscribed to by name, or a partition it assigned, does not
 * exist: Kafka's consumer then just waits (it reads the topic once someone creates it) and only
 * logs a warning, so a misspelt topic would look like an idle one.
 *
 * <p>A moment after each subscription or assignment ({@link #FIRST_CHECK_MILLIS}, so that the
 * consumer has asked for the topics' metadata, which creates them where the broker creates topics
 * on demand), the loop asks for the cluster's topics. A topic missing there is looked up again
 * {@link #RETRY_MILLIS} later, and only a topic missing twice becomes an {@link
 * ErrorKind#UNKNOWN_TOPIC} notice (so one being created just then does not), once a lookup of that
 * topic alone confirms it (the list leaves out topics the consumer may not see); a partition its
 * topic does not have becomes one at once. Either way the consumer goes on waiting for it. When the
 * cluster does not answer, the loop asks again later, less and less often; a refused request
 * (authorization, authentication) is reported by poll, so it ends the check. Owned by the poll
 * loop's thread.
 */
final class MissingTopics {
  /** How long after a subscription or assignment the loop first looks. */
  static final long FIRST_CHECK_MILLIS = 1_000;

  /** How long after a lookup that failed, or found a topic missing, the loop looks again. */
  static final long RETRY_MILLIS = 2_000;

  /** How long the loop waits at most between lookups that failed. */
  static final long MAX_RETRY_MILLIS = 60_000;

  /**
   * The cluster's topics as the consumer sees them; each method throws when the cluster does not
   * answer, and {@link #partitionCount} an authorization error for a topic the consumer may not see
   * (which the list leaves out, as if it did not exist).
   */
  interface Lookup {
    /** Every topic the consumer may see, with its partition count. */
    Map<String, Integer> partitionCounts();

    /** One topic's partition count; 0 when it does not exist. */
    int partitionCount(String topic);
  }

  /** Topics to check, each with the partitions assigned by hand (empty for a subscription). */
  private final Map<String, Set<Integer>> watched = new LinkedHashMap<>();

  /** Watched topics found missing once: the next lookup that misses them reports them. */
  private final Set<String> missingOnce = new HashSet<>();

  private long due;

  /** How long to wait after the next failed lookup: doubles up to {@link #MAX_RETRY_MILLIS}. */
  private long retryMillis = RETRY_MILLIS;

  /** Checks these subscribed topics, instead of what was watched before. */
  void subscribed(Collection<String> topics, long nowMillis) {
    restart(nowMillis);
    topics.forEach(topic -> watched.put(topic, Set.of()));
  }

  /** Checks these assigned partitions, instead of what was watched before. */
  void assigned(Collection<TopicPartition> partitions, long nowMillis) {
    restart(nowMillis);
    for (TopicPartition partition : partitions) {
      watched
          .computeIfAbsent(partition.topic(), topic -> new TreeSet<>())
          .add(partition.partition());
    }
  }

  private void restart(long nowMillis) {
    clear();
    due = nowMillis + FIRST_CHECK_MILLIS;
    retryMillis = RETRY_MILLIS;
  }

  /** Stops checking (an unsubscribe, or a subscription by pattern). */
  void clear() {
    watched.clear();
    missingOnce.clear();
  }

  /** Whether a check is waiting and due at {@code nowMillis}. */
  boolean due(long nowMillis) {
    return !watched.isEmpty() && nowMillis - due >= 0;
  }

  /**
   * Looks the watched topics up and returns a notice for each found missing a second time, and for
   * each assigned partition its topic does not have; nothing when the lookup failed (it is tried
   * again later).
   */
  List<Failure> check(Lookup lookup, long nowMillis) {
    try {
      return look(lookup, nowMillis);
    } catch (AuthorizationException | AuthenticationException e) {
      clear(); // poll reports these
      return List.of();
    } catch (RuntimeException e) {
      due = nowMillis + retryMillis; // the cluster did not answer: look again, less and less often
      retryMillis = Math.min(MAX_RETRY_MILLIS, retryMillis * 2);
      return List.of();
    }
  }

  private List<Failure> look(Lookup lookup, long nowMillis) {
    Map<String, Integer> counts = lookup.partitionCounts();
    List<Failure> notices = new ArrayList<>();
    var topics = watched.entrySet().iterator();
    while (topics.hasNext()) {
      var entry = topics.next();
      String topic = entry.getKey();
      int count = counts.getOrDefault(topic, 0);
      if (count == 0 && !missingOnce.add(topic)) {
        // Missing twice from the list: ask for it alone, which also tells a topic the consumer
        // may not see (an authorization error, reported by poll) from one that does not exist.
        try {
          count = lookup.partitionCount(topic);
        } catch (AuthorizationException e) {
          topics.remove();
          continue;
        }
        if (count == 0) {
          notices.add(
              new Failure(
                  ErrorKind.UNKNOWN_TOPIC,
                  "topic '" + topic + "' does not exist; the consumer reads it once it is created",
                  null,
                  topic));
          topics.remove();
          continue;
        }
      }
      if (count == 0) {
        continue; // perhaps being created just now: look again before saying so
      }
      for (int partition : entry.getValue()) {
        if (partition >= count) {
          notices.add(beyond(new TopicPartition(topic, partition), count));
        }
      }
      topics.remove();
    }
    due = nowMillis + RETRY_MILLIS;
    return notices;
  }

  private static Failure beyond(TopicPartition partition, int count) {
    return new Failure(
        ErrorKind.UNKNOWN_TOPIC,
        "partition "
            + partition.partition()
            + " of topic '"
            + partition.topic()
            + "' does not exist (the topic has "
            + count
            + (count == 1 ? " partition)" : " partitions)"),
        null,
        partition);
  }
}
