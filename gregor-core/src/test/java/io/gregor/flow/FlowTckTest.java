package io.gregor.flow;

import static org.assertj.core.api.Assertions.assertThat;

import com.softwaremill.jox.Channel;
import io.gregor.Consumer;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.KafkaExtension;
import io.gregor.embedded.TestNames;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testng.ITestResult;
import org.testng.TestListenerAdapter;
import org.testng.TestNG;

/**
 * Runs the Reactive Streams TCK (TestNG tests) from JUnit: no TestNG engine for the JUnit Platform
 * is at hand, so TestNG runs here, in-process, and every TCK test that fails fails this test with
 * its name and reason. The publisher rules run twice: on real consumers of the embedded broker, and
 * on plain channels (which also give the TCK a failed publisher and unbounded ones). Skipped TCK
 * tests are the optional rules the adapters do not take up (a publisher of one subscriber, for
 * instance), and the ones the TCK skips for every publisher.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(600)
class FlowTckTest {
  static final long TIMEOUT_MILLIS = 1_000;
  static final long BROKER_TIMEOUT_MILLIS = 10_000;

  @AfterAll
  static void finishChannelsAndConsumers() {
    SourcePublisherVerification.CHANNELS.forEach(Channel::doneOrClosed);
    ConsumerPublisherVerification.CONSUMERS.forEach(Consumer::close);
  }

  @Test
  void publisher_ofARealConsumer_passesTheTck(EmbeddedKafka kafka, TestNames names) {
    // given: a partition of records for every publisher to read
    kafka.createTopic(names.topic(), 1);
    writeRecords(kafka, names.topic(), ConsumerPublisherVerification.RECORDS);
    ConsumerPublisherVerification.bootstrap = kafka.bootstrapServers();
    ConsumerPublisherVerification.topic = names.topic();

    // when
    var results = run(ConsumerPublisherVerification.class);

    // then
    assertThat(results.failures()).isEmpty();
    assertThat(results.passed()).isNotEmpty();
  }

  private static void writeRecords(EmbeddedKafka kafka, String topic, int count) {
    try (var producer =
        new KafkaProducer<>(
            Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all"),
            new StringSerializer(),
            new StringSerializer())) {
      for (int i = 0; i < count; i++) {
        producer.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i));
      }
      producer.flush();
    }
  }

  @Test
  void publisher_ofAnyEventChannel_passesTheTck() {
    var results = run(SourcePublisherVerification.class);

    assertThat(results.failures()).isEmpty();
    assertThat(results.passed()).isNotEmpty();
  }

  @Test
  void subscriber_toAnySink_passesTheTck() {
    var results = run(SinkSubscriberVerification.class);

    assertThat(results.failures()).isEmpty();
    assertThat(results.passed()).isNotEmpty();
  }

  record Results(List<String> passed, List<String> failures, List<String> skipped) {}

  private static Results run(Class<?> verification) {
    var passed = new CopyOnWriteArrayList<String>();
    var failures = new CopyOnWriteArrayList<String>();
    var skipped = new CopyOnWriteArrayList<String>();
    var testng = new TestNG(false);
    testng.setTestClasses(new Class<?>[] {verification});
    testng.setUseDefaultListeners(false);
    testng.setVerbose(0);
    testng.addListener(
        new TestListenerAdapter() {
          @Override
          public void onTestSuccess(ITestResult result) {
            passed.add(result.getName());
          }

          @Override
          public void onTestFailure(ITestResult result) {
            failures.add(result.getName() + ": " + result.getThrowable());
          }

          @Override
          public void onTestSkipped(ITestResult result) {
            skipped.add(result.getName());
          }
        });
    testng.run();
    System.out.println(
        verification.getSimpleName()
            + ": passed "
            + passed.size()
            + ", failed "
            + failures.size()
            + ", skipped "
            + skipped.size()
            + " "
            + skipped);
    return new Results(passed, failures, skipped);
  }
}
