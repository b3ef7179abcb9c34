package io.gregor;

import static io.gregor.ConsumerTesting.nextMatching;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.gregor.embedded.CertificateAuthority;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Gregor against a secured broker: TLS with a CA generated at start, SASL/SCRAM-SHA-512 users and
 * ACLs. Every refusal is an error event that says what was refused, the client goes on with what it
 * may do, and no password reaches an event or a log. This class runs its own broker; alice may do
 * only what each test's ACLs allow.
 */
@Timeout(60)
class SecuredClusterTest {
  private static final String ALICE = "alice";
  private static final String PASSWORD = "alice-Secret-4711";
  private static final String WRONG_PASSWORD = "not-alice-Secret-0815";

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startSecuredBroker() {
    kafka =
        EmbeddedKafka.builder()
            .tls()
            .saslScram(Map.of(ALICE, PASSWORD))
            .authorizer() // no super users: alice may do what the ACLs say
            .start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  /** Lets alice write and read {@code topic} and use {@code group}. */
  private static void allowAlice(String topic, String group) {
    var alice = "User:" + ALICE;
    kafka.createAcls(
        List.of(
            new AclBinding(
                new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                new AccessControlEntry(alice, "*", AclOperation.ALL, AclPermissionType.ALLOW)),
            new AclBinding(
                new ResourcePattern(ResourceType.GROUP, group, PatternType.LITERAL),
                new AccessControlEntry(alice, "*", AclOperation.ALL, AclPermissionType.ALLOW))));
  }

  private static Map<String, String> security(String password) {
    return kafka.clientScramConfig(ALICE, password);
  }

  /** Alice's settings, trusting a CA that did not sign the broker's certificate. */
  private static Map<String, String> untrustingSecurity() {
    var config = new java.util.HashMap<>(security(PASSWORD));
    config.put("ssl.truststore.certificates", CertificateAuthority.generate().certificatePem());
    return config;
  }

  private static ProducerSettings<Message<String, String>, String, String> producerSettings(
      Map<String, String> security) {
    var settings =
        ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), Codecs.string())
            .withOutputPolicy(EventType.DATA, EventType.ERROR, EventType.CONTROL);
    for (var entry : security.entrySet()) {
      settings = settings.withKafka(entry.getKey(), entry.getValue());
    }
    return settings;
  }

  private static ConsumerSettings<String, String, Received<String, String>> consumerSettings(
      TestNames names, Map<String, String> security) {
    var settings =
        ConsumerSettings.create(
                kafka.bootstrapServers(), names.group(), Codecs.string(), Codecs.string())
            .withKafka("auto.offset.reset", "earliest");
    for (var entry : security.entrySet()) {
      settings = settings.withKafka(entry.getKey(), entry.getValue());
    }
    return settings;
  }

  @Test
  void rightCredentialsOverTls_produceAndConsume() throws Exception {
    // given
    var names = TestNames.unique("SecuredClusterTest-right");
    kafka.createTopic(names.topic(), 1);
    allowAlice(names.topic(), names.group());

    // when
    try (var producer = Producer.create(producerSettings(security(PASSWORD)))) {
      producer.input().send(Message.of(names.topic(), "k1", "secured hello"));
      producer.input().send(Message.of(names.topic(), "k2", "secured world"));
      var sent =
          Outputs.data(
              Outputs.until(
                  producer.output(),
                  event ->
                      event instanceof Event.Error<?>
                          || (event instanceof Event.Data<?>(Sent<?, ?> s) && s.offset() == 1)));
      assertThat(sent).hasSize(2);
    }

    // then
    try (var consumer =
        Consumer.create(consumerSettings(names, security(PASSWORD)).withTopics(names.topic()))) {
      var values = ConsumerTesting.data(consumer.output(), 2).stream().map(r -> r.value());
      assertThat(values).containsExactly("secured hello", "secured world");
    }
  }

  @Test
  void consumer_withAWrongScramPassword_reportsAuthentication_andClosesInOrder() throws Exception {
    // given
    var names = TestNames.unique("SecuredClusterTest-wrongPasswordConsumer");
    kafka.createTopic(names.topic(), 1);
    allowAlice(names.topic(), names.group());
    var consumer =
        Consumer.create(
            consumerSettings(names, security(WRONG_PASSWORD)).withTopics(names.topic()));

    // when
    var error = nextMatching(consumer.output(), event -> event instanceof Event.Error<?>);

    // then
    Failure failure = ((Event.Error<?>) error).failure();
    assertThat(failure.kind()).isEqualTo(ErrorKind.AUTHENTICATION);
    assertThat(failure.cause()).isInstanceOf(SaslAuthenticationException.class);
    consumer.close(); // returns, within its timeout
    assertThat(Outputs.until(consumer.output(), event -> event instanceof Event.Eof<?>))
        .last()
        .isEqualTo(new Event.Eof<>());
  }

  @Test
  void producer_withAWrongScramPassword_reportsAuthentication_andClosesInOrder() throws Exception {
    // given
    var names = TestNames.unique("SecuredClusterTest-wrongPasswordProducer");
    kafka.createTopic(names.topic(), 1);
    allowAlice(names.topic(), names.group());
    var message = Message.<String, String>of(names.topic(), "refused");
    var producer = Producer.create(producerSettings(security(WRONG_PASSWORD)));

    // when
    producer.input().send(message);

    // then
    var events = Outputs.until(producer.output(), event -> event instanceof Event.Error<?>);
    assertThat(Outputs.failures(events))
        .singleElement()
        .satisfies(
            failure -> {
              assertThat(failure.kind()).isEqualTo(ErrorKind.AUTHENTICATION);
              assertThat(failure.cause()).isInstanceOf(SaslAuthenticationException.class);
              assertThat(failure.subject()).isEqualTo(message);
            });
    producer.close(); // returns, within its timeout
    assertThat(Outputs.untilEof(producer.output())).last().isEqualTo(new Event.Eof<>());
  }

  @Test
  void consumer_thatDoesNotTrustTheBrokersCertificate_saysSo() throws Exception {
    // given
    var names = TestNames.unique("SecuredClusterTest-untrustedConsumer");
    kafka.createTopic(names.topic(), 1);
    allowAlice(names.topic(), names.group());

    try (var consumer =
        Consumer.create(consumerSettings(names, untrustingSecurity()).withTopics(names.topic()))) {
      // when
      var error = nextMatching(consumer.output(), event -> event instanceof Event.Error<?>);

      // then
      Failure failure = ((Event.Error<?>) error).failure();
      assertThat(failure.kind()).isEqualTo(ErrorKind.AUTHENTICATION);
      assertThat(failure.cause()).isInstanceOf(SslAuthenticationException.class);
      assertThat(failure.message())
          .contains("TLS handshake")
          .contains("certificate is not trusted");
    }
  }

  @Test
  void producer_thatDoesNotTrustTheBrokersCertificate_saysSo() throws Exception {
    // given
    var names = TestNames.unique("SecuredClusterTest-untrustedProducer");
    kafka.createTopic(names.topic(), 1);
    allowAlice(names.topic(), names.group());
    var message = Message.<String, String>of(names.topic(), "refused");

    try (var producer = Producer.create(producerSettings(untrustingSecurity()))) {
      // when
      producer.input().send(message);

      // then
      var events = Outputs.until(producer.output(), event -> event instanceof Event.Error<?>);
      assertThat(Outputs.failures(events))
          .singleElement()
          .satisfies(
              failure -> {
                assertThat(failure.kind()).isEqualTo(ErrorKind.AUTHENTICATION);
                assertThat(failure.cause()).isInstanceOf(SslAuthenticationException.class);
                assertThat(failure.message())
                    .contains("TLS handshake")
                    .contains("certificate is not trusted");
                assertThat(failure.subject()).isEqualTo(message);
              });
    }
  }

  @Test
  void producer_toATopicItMayNotWrite_reportsAuthorization_andAnAllowedTopicStillWorks()
      throws Exception {
    // given: alice may write one topic, not the other
    var names = TestNames.unique("SecuredClusterTest-writeDenied");
    var denied = names.topic("denied");
    kafka.createTopic(names.topic(), 1);
    kafka.createTopic(denied, 1);
    allowAlice(names.topic(), names.group());

    try (var producer = Producer.create(producerSettings(security(PASSWORD)))) {
      // when
      producer.input().send(Message.of(denied, "refused"));
      producer.input().send(Message.of(names.topic(), "welcome"));

      // then
      var events = Outputs.until(producer.output(), event -> event instanceof Event.Data<?>);
      assertThat(Outputs.failures(events))
          .singleElement()
          .satisfies(
              failure -> {
                assertThat(failure.kind()).isEqualTo(ErrorKind.AUTHORIZATION);
                assertThat(failure.cause()).isInstanceOf(TopicAuthorizationException.class);
                assertThat(failure.message()).contains(denied);
              });
      assertThat(Outputs.data(events))
          .singleElement()
          .satisfies(sent -> assertThat(sent.topic()).isEqualTo(names.topic()));
    }
  }

  @Test
  void consumer_ofATopicItMayNotRead_reportsAuthorization_andAnAllowedTopicStillWorks()
      throws Exception {
    // given: alice may read one topic, not the other
    var names = TestNames.unique("SecuredClusterTest-readDenied");
    var denied = names.topic("denied");
    kafka.createTopic(names.topic(), 1);
    kafka.createTopic(denied, 1);
    allowAlice(names.topic(), names.group());
    try (var producer = Producer.create(producerSettings(security(PASSWORD)))) {
      producer.input().send(Message.of(names.topic(), "readable"));
    }

    try (var consumer =
        Consumer.create(consumerSettings(names, security(PASSWORD)).withTopics(denied))) {
      // when
      var error = nextMatching(consumer.output(), event -> event instanceof Event.Error<?>);

      // then
      Failure failure = ((Event.Error<?>) error).failure();
      assertThat(failure.kind()).isEqualTo(ErrorKind.AUTHORIZATION);
      assertThat(failure.cause()).isInstanceOf(TopicAuthorizationException.class);
      assertThat(failure.message()).contains(denied);
      // and the same consumer reads a topic it may read
      consumer.subscribe(Topics.of(names.topic()));
      var values = ConsumerTesting.data(consumer.output(), 1).stream().map(r -> r.value());
      assertThat(values).containsExactly("readable");
    }
  }

  @Test
  void failedAuthentication_leaksNoPassword_toLogsEventsOrExceptions() throws Exception {
    // given: every log event, Gregor's at DEBUG, Kafka's clients' at INFO
    var names = TestNames.unique("SecuredClusterTest-noLeak");
    kafka.createTopic(names.topic(), 1);
    var logs = new ListAppender<ILoggingEvent>();
    logs.start();
    var root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    var gregor = (Logger) LoggerFactory.getLogger("io.gregor");
    var clients = (Logger) LoggerFactory.getLogger("org.apache.kafka.clients");
    Level gregorLevel = gregor.getLevel();
    Level clientsLevel = clients.getLevel();
    root.addAppender(logs);
    gregor.setLevel(Level.DEBUG);
    clients.setLevel(Level.INFO);
    var events = new ArrayList<Event<?>>();
    try {
      // when: a producer and a consumer fail to authenticate, and close
      try (var producer = Producer.create(producerSettings(security(WRONG_PASSWORD)))) {
        producer.input().send(Message.of(names.topic(), "refused"));
        events.addAll(Outputs.until(producer.output(), event -> event instanceof Event.Error<?>));
        producer.control().send(new Operation.Close());
        events.addAll(Outputs.untilEof(producer.output()));
      }
      try (var consumer =
          Consumer.create(
              consumerSettings(names, security(WRONG_PASSWORD)).withTopics(names.topic()))) {
        events.add(nextMatching(consumer.output(), event -> event instanceof Event.Error<?>));
        consumer.control().send(new Operation.Close());
        events.addAll(Outputs.untilEof(consumer.output()));
      }
    } finally {
      root.detachAppender(logs);
      gregor.setLevel(gregorLevel);
      clients.setLevel(clientsLevel);
    }

    // then
    assertThat(Outputs.failures(events)).isNotEmpty();
    var text = new StringBuilder();
    for (var event : events) {
      text.append(event).append('\n');
      if (event instanceof Event.Error<?>(Failure failure) && failure.cause() != null) {
        var trace = new StringWriter();
        failure.cause().printStackTrace(new PrintWriter(trace));
        text.append(trace).append('\n');
      }
    }
    assertThat(logs.list).isNotEmpty();
    for (var log : logs.list) {
      text.append(log.getFormattedMessage()).append('\n');
      if (log.getThrowableProxy() != null) {
        text.append(ThrowableProxyUtil.asString(log.getThrowableProxy())).append('\n');
      }
    }
    assertThat(text.toString())
        .contains("SCRAM-SHA-512") // the failures are there
        .doesNotContain(WRONG_PASSWORD, PASSWORD);
  }
}
