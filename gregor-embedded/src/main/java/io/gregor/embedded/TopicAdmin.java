package io.gregor.embedded;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Creates topics and waits until they are usable, through one {@link Admin} client per deployment.
 *
 * <p>"Usable" means every partition has a leader and answers {@code listOffsets}. Producing to a
 * topic right after creating it, before that, can stall a batch in {@code
 * OUT_OF_ORDER_SEQUENCE_NUMBER} retries until the delivery timeout (KAFKA-15591).
 */
final class TopicAdmin implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final Duration POLL = Duration.ofMillis(20);

  private final Admin admin;

  TopicAdmin(String bootstrapServers) {
    admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG,
                "gregor-embedded-admin",
                AdminClientConfig.RETRY_BACKOFF_MS_CONFIG,
                50,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                (int) TIMEOUT.toMillis()));
  }

  /**
   * Creates a topic and returns when it is usable.
   *
   * @throws EmbeddedKafkaException when Kafka refuses the topic or it does not become usable in
   *     time
   */
  void create(String name, int partitions, int replicationFactor, Map<String, String> configs) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
    }
    if (replicationFactor < 1) {
      throw new IllegalArgumentException(
          "replicationFactor must be at least 1, was " + replicationFactor);
    }
    var topic = new NewTopic(name, partitions, (short) replicationFactor).configs(configs);
    try {
      await("create topic " + name, admin.createTopics(List.of(topic)).all());
    } catch (Retry retry) {
      throw new EmbeddedKafkaException(
          "cannot create topic " + name + ": " + retry.getMessage(), retry.getCause());
    }
    awaitUsable(name);
  }

  /** Waits until every partition of {@code name} has a leader and answers {@code listOffsets}. */
  void awaitUsable(String name) {
    poll(
        "topic " + name + " to become usable",
        () -> {
          TopicDescription description =
              await("describe topic " + name, admin.describeTopics(List.of(name)).allTopicNames())
                  .get(name);
          if (description.partitions().stream().anyMatch(p -> p.leader() == null)) {
            return Optional.empty();
          }
          Map<TopicPartition, OffsetSpec> latest =
              description.partitions().stream()
                  .map(p -> new TopicPartition(name, p.partition()))
                  .collect(Collectors.toMap(Function.identity(), tp -> OffsetSpec.latest()));
          return Optional.of(await("list offsets of " + name, admin.listOffsets(latest).all()));
        });
  }

  /** Waits until the cluster reports {@code brokers} live brokers. */
  void awaitBrokers(int brokers) {
    poll(
        brokers + " brokers to be up",
        () -> {
          var nodes = await("describe cluster", admin.describeCluster().nodes());
          return nodes.size() >= brokers ? Optional.of(nodes) : Optional.empty();
        });
  }

  /**
   * Creates (or updates) SCRAM-SHA-512 credentials and returns when the broker knows them all, so
   * that a client can authenticate right away.
   *
   * @throws EmbeddedKafkaException when Kafka refuses them or they do not arrive in time
   */
  void createScramUsers(Map<String, String> users, int iterations) {
    var info = new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, iterations);
    List<UserScramCredentialAlteration> upserts =
        users.entrySet().stream()
            .<UserScramCredentialAlteration>map(
                user -> new UserScramCredentialUpsertion(user.getKey(), info, user.getValue()))
            .toList();
    try {
      await("create SCRAM users " + users.keySet(), admin.alterUserScramCredentials(upserts).all());
    } catch (Retry retry) {
      throw new EmbeddedKafkaException(
          "cannot create SCRAM users " + users.keySet() + ": " + retry.getMessage(),
          retry.getCause());
    }
    poll(
        "SCRAM users " + users.keySet() + " to be known",
        () -> {
          var known =
              await("describe SCRAM users", admin.describeUserScramCredentials().all()).keySet();
          return known.containsAll(users.keySet()) ? Optional.of(known) : Optional.empty();
        });
  }

  /**
   * Creates ACLs and returns when the broker enforces them all.
   *
   * @throws EmbeddedKafkaException when Kafka refuses them (for example, the broker has no
   *     authorizer) or they do not arrive in time
   */
  void createAcls(Collection<AclBinding> acls) {
    try {
      await("create ACLs " + acls, admin.createAcls(acls).all());
    } catch (Retry retry) {
      throw new EmbeddedKafkaException(
          "cannot create ACLs " + acls + ": " + retry.getMessage(), retry.getCause());
    }
    poll(
        "ACLs " + acls + " to be enforced",
        () -> {
          var known = await("describe ACLs", admin.describeAcls(AclBindingFilter.ANY).values());
          return known.containsAll(acls) ? Optional.of(known) : Optional.empty();
        });
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }

  /** Retries {@code attempt} until it returns a value or {@link #TIMEOUT} passes. */
  private static <T> T poll(String what, Attempt<T> attempt) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    RetriableException last = null;
    while (System.nanoTime() < deadline) {
      try {
        var result = attempt.run();
        if (result.isPresent()) {
          return result.get();
        }
      } catch (Retry retry) {
        last = (RetriableException) retry.getCause();
      }
      try {
        Thread.sleep(POLL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EmbeddedKafkaException("interrupted while waiting for " + what, e);
      }
    }
    throw new EmbeddedKafkaException(
        "timed out after " + TIMEOUT.toSeconds() + " s waiting for " + what, last);
  }

  private static <T> T await(String what, KafkaFuture<T> future) {
    try {
      return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RetriableException retriable) {
        throw new Retry(retriable);
      }
      throw new EmbeddedKafkaException(
          "cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new EmbeddedKafkaException("timed out trying to " + what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmbeddedKafkaException("interrupted trying to " + what, e);
    }
  }

  @FunctionalInterface
  private interface Attempt<T> {
    Optional<T> run();
  }

  /** A retriable Kafka error inside {@link #poll}: try again. */
  private static final class Retry extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Retry(RetriableException cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }
}
