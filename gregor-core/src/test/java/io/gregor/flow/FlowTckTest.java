package io.gregor.flow;

import static org.assertj.core.api.Assertions.assertThat;

import com.softwaremill.jox.Channel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testng.ITestResult;
import org.testng.TestListenerAdapter;
import org.testng.TestNG;

/**
 * Runs the Reactive Streams TCK (TestNG tests) from JUnit: no TestNG engine for the JUnit Platform
 * is at hand, so TestNG runs here, in-process, and every TCK test that fails fails this test with
 * its name and reason. Skipped TCK tests are the optional rules the adapters do not take up (a
 * publisher of one subscriber, for instance), and the ones the TCK skips for every publisher.
 */
@Timeout(300)
class FlowTckTest {
  static final long TIMEOUT_MILLIS = 1_000;

  @AfterAll
  static void finishChannels() {
    SourcePublisherVerification.CHANNELS.forEach(Channel::doneOrClosed);
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
