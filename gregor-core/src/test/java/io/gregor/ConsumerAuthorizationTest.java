package io.gregor;

import static io.gregor.ConsumerTesting.nextMatching;
import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A broker that refuses access: the refusal is an error event and the consumer goes on. This class
 * runs its own broker, with an authorizer; every client on its plaintext listener is {@code
 * User:ANONYMOUS}, allowed everything no ACL denies.
 */
@Timeout(60)
class ConsumerAuthorizationTest {
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBrokerWithAnAuthorizer() {
    kafka =
        EmbeddedKafka.builder()
            .brokerConfig(
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
            .brokerConfig("allow.everyone.if.no.acl.found", "true")
            .start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @Test
  void subscribe_toATopicTheBrokerRefusesToServe_isAnAuthorizationError_andTheConsumerGoesOn()
      throws Exception {
    // given: a topic that no one may read
    var names = TestNames.unique("ConsumerAuthorizationTest");
    kafka.createTopic(names.topic(), 1);
    try (var admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin
          .createAcls(
              List.of(
                  new AclBinding(
                      new ResourcePattern(ResourceType.TOPIC, names.topic(), PatternType.LITERAL),
                      new AccessControlEntry(
                          "User:ANONYMOUS", "*", AclOperation.READ, AclPermissionType.DENY))))
          .all()
          .get();
    }
    try (var consumer =
        Consumer.create(
            ConsumerSettings.create(
                    kafka.bootstrapServers(), names.group(), Codecs.string(), Codecs.string())
                .withKafka("auto.offset.reset", "earliest")
                .withTopics(names.topic()))) {

      // when
      var error = nextMatching(consumer.output(), event -> event instanceof Event.Error<?>);

      // then
      Failure failure = ((Event.Error<?>) error).failure();
      assertThat(failure.kind()).isEqualTo(ErrorKind.AUTHORIZATION);
      assertThat(failure.cause()).isInstanceOf(TopicAuthorizationException.class);
      assertThat(failure.message()).contains(names.topic());
      assertThat(consumer.subscriptions()).containsExactly(names.topic()); // still answering
    }
  }
}
