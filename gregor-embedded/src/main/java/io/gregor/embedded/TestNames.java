package io.gregor.embedded;

import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Topic and consumer group names for one test, unique within the JVM, so that tests sharing a
 * broker never see each other's records. {@link KafkaExtension} injects one per test method:
 *
 * <pre>{@code
 * @Test
 * void roundTrip(EmbeddedKafka kafka, TestNames names) {
 *   kafka.createTopic(names.topic(), 1);         // "RoundTripTest-roundTrip-7"
 *   ... names.topic("dead-letters") ...          // "RoundTripTest-roundTrip-7-dead-letters"
 *   ... names.group() ...                        // "RoundTripTest-roundTrip-7-group"
 * }
 * }</pre>
 *
 * <p>The same instance returns the same name on each call. Names contain only letters, digits and
 * '-' (valid Kafka names, and no '.' or '_', which Kafka's metric names confuse) and are at most
 * 200 characters long. Immutable.
 */
public final class TestNames {
  private static final AtomicLong counter = new AtomicLong();
  private static final Pattern INVALID = Pattern.compile("[^A-Za-z0-9-]+");
  private static final int MAX_BASE = 150;

  private final String prefix;

  private TestNames(String prefix) {
    this.prefix = prefix;
  }

  /**
   * Names derived from {@code base} (for example a test's class and method) plus a number unique in
   * this JVM.
   *
   * @throws IllegalArgumentException when {@code base} is null or has no letter or digit
   */
  public static TestNames unique(String base) {
    var clean = clean(base, "base");
    if (clean.length() > MAX_BASE) {
      clean = clean.substring(0, MAX_BASE);
    }
    return new TestNames(clean + "-" + counter.incrementAndGet());
  }

  /** This test's topic. */
  public String topic() {
    return prefix;
  }

  /**
   * Another topic of this test, for tests that need more than one.
   *
   * @throws IllegalArgumentException when {@code suffix} is null, has no letter or digit, or is
   *     longer than 40 characters
   */
  public String topic(String suffix) {
    var clean = clean(suffix, "suffix");
    if (clean.length() > 40) {
      throw new IllegalArgumentException("suffix must be at most 40 characters: " + suffix);
    }
    return prefix + "-" + clean;
  }

  /** This test's consumer group id. */
  public String group() {
    return prefix + "-group";
  }

  @Override
  public String toString() {
    return "TestNames[" + prefix + "]";
  }

  private static String clean(String text, String what) {
    if (text == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    var clean = INVALID.matcher(text).replaceAll("-").replaceAll("^-+|-+$", "");
    if (clean.isEmpty()) {
      throw new IllegalArgumentException(what + " must contain a letter or digit: '" + text + "'");
    }
    return clean;
  }
}
