package io.gregor;

import io.gregor.LivenessScripts.Script;
import io.gregor.embedded.EmbeddedKafka;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyAttributes;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Liveness as a property: whatever a user does to a consumer or a producer, in any order, nothing
 * hangs and nothing is left behind. Each try runs a random {@link Script} (operations sent on the
 * control channel and called directly, with valid and invalid arguments; channels finished; close
 * at random points; a fast, slow or absent reader) against a fresh client on one shared broker, and
 * {@link LivenessRun} checks it. docs/reliability.md lists the checks and how to run the long run.
 *
 * <p>The build runs {@value #TRIES} tries per property. {@code -Dgregor.liveness.tries=N} runs
 * more, {@code -Dgregor.liveness.seed=S} replays a reported seed, {@code
 * -Dgregor.liveness.shrinking=FULL} looks for a smaller failing script (each shrinking step that
 * hangs costs its bound, so this is for a manual run).
 */
@AddLifecycleHook(
    value = LivenessTest.RunLength.class,
    propagateTo = PropagationMode.ALL_DESCENDANTS)
class LivenessTest {
  /** Tries per property in the build. */
  static final int TRIES = 40;

  private static EmbeddedKafka kafka;

  /** Writes the consumer's test records: a plain Kafka producer, independent of Gregor's. */
  private static KafkaProducer<String, String> testData;

  /**
   * Deletes each passed try's topics: a long run would otherwise leave the broker with ten
   * thousands of topics, and creating one more took over a minute after 9,000 tries.
   */
  private static Admin admin;

  @BeforeContainer
  static void startBroker() {
    kafka = EmbeddedKafka.start();
    testData =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new StringSerializer());
    admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
  }

  /** Deletes the try's topics, those that exist. */
  private static void deleteTopics(LivenessRun run) {
    admin
        .deleteTopics(run.topics())
        .topicNameValues()
        .forEach(
            (topic, deletion) -> {
              try {
                deletion.get(30, TimeUnit.SECONDS);
              } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                  throw new IllegalStateException("the test could not delete " + topic, e);
                }
              } catch (InterruptedException | TimeoutException e) {
                throw new IllegalStateException("the test could not delete " + topic, e);
              }
            });
  }

  @AfterContainer
  static void stopBroker() {
    if (admin != null) {
      admin.close();
    }
    if (testData != null) {
      testData.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Property(
      tries = TRIES,
      shrinking = ShrinkingMode.OFF,
      afterFailure = AfterFailureMode.RANDOM_SEED)
  void consumer_anyScript_staysLive(@ForAll("consumerScripts") Script script) {
    var run = new LivenessRun(kafka, testData, script);
    run.run();
    deleteTopics(run);
  }

  @Property(
      tries = TRIES,
      shrinking = ShrinkingMode.OFF,
      afterFailure = AfterFailureMode.RANDOM_SEED)
  void producer_anyScript_staysLive(@ForAll("producerScripts") Script script) {
    var run = new LivenessRun(kafka, testData, script);
    run.run();
    deleteTopics(run);
  }

  @Provide
  Arbitrary<Script> consumerScripts() {
    return LivenessScripts.consumerScripts();
  }

  @Provide
  Arbitrary<Script> producerScripts() {
    return LivenessScripts.producerScripts();
  }

  /**
   * Applies {@code -Dgregor.liveness.tries}, {@code .seed} and {@code .shrinking}, and puts the
   * seed of a failure, with the way to replay it, at the top of its message.
   */
  public static final class RunLength implements AroundPropertyHook {
    @Override
    public PropertyExecutionResult aroundProperty(
        PropertyLifecycleContext context, PropertyExecutor property) {
      PropertyAttributes attributes = context.attributes();
      Integer tries = Integer.getInteger("gregor.liveness.tries");
      if (tries != null) {
        attributes.setTries(tries);
      }
      String seed = System.getProperty("gregor.liveness.seed", "").trim();
      if (!seed.isEmpty()) {
        attributes.setSeed(seed);
      }
      String shrinking = System.getProperty("gregor.liveness.shrinking", "").trim();
      if (!shrinking.isEmpty()) {
        attributes.setShrinking(ShrinkingMode.valueOf(shrinking.toUpperCase(Locale.ROOT)));
      }
      PropertyExecutionResult result = property.execute();
      if (result.status() != PropertyExecutionResult.Status.FAILED) {
        return result;
      }
      // jqwik sizes what it generates by the number of tries: a replay needs the same number.
      int triesOfTheRun = attributes.tries().orElse(TRIES);
      String failedSeed = result.seed().orElse("unknown");
      Throwable failure = result.throwable().orElse(null);
      AssertionError named =
          new AssertionError(
              String.format(
                  "%s failed at try %d of %d, seed %s (replay: -Dgregor.liveness.seed=%s"
                      + " -Dgregor.liveness.tries=%d)%n%s",
                  context.label(),
                  result.countTries(),
                  triesOfTheRun,
                  failedSeed,
                  failedSeed,
                  triesOfTheRun,
                  failure == null ? "" : failure.getMessage()),
              failure == null ? null : failure.getCause());
      if (failure != null) {
        named.setStackTrace(failure.getStackTrace());
      }
      return result.mapToFailed(named);
    }
  }
}
