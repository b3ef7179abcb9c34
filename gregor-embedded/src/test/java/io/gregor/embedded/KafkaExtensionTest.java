package io.gregor.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.utils.internals.Exit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaExtension.class)
class KafkaExtensionTest {
  private static final AtomicReference<EmbeddedKafka> firstBroker = new AtomicReference<>();
  private static final Set<String> topicsSeen = ConcurrentHashMap.newKeySet();

  private TestNames namesBeforeEach;

  @BeforeEach
  void rememberNames(TestNames names) {
    namesBeforeEach = names;
  }

  @Test
  void injectsAWorkingBroker(EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    kafka.createTopic(names.topic(), 2);
    // when
    Clients.send(kafka.bootstrapServers(), names.topic(), List.of("hello"));
    // then
    assertThat(Clients.read(kafka.bootstrapServers(), names.topic(), names.group(), 1))
        .containsExactly("hello");
  }

  @RepeatedTest(3)
  void injectsTheSameBroker_andDistinctNames_intoEveryTest(EmbeddedKafka kafka, TestNames names) {
    firstBroker.compareAndSet(null, kafka);
    assertThat(kafka).isSameAs(firstBroker.get());
    assertThat(names).isSameAs(namesBeforeEach);
    assertThat(topicsSeen.add(names.topic())).as("new topic name %s", names.topic()).isTrue();
  }

  @Test
  void names_areValidKafkaNames_andStablePerTest(TestNames names) {
    assertThat(names.topic())
        .isEqualTo(names.topic())
        .startsWith(
            "KafkaExtensionTest-names_areValidKafkaNames_andStablePerTest".replace('_', '-'))
        .matches("[A-Za-z0-9-]+");
    assertThat(names.topic("dead letters")).isEqualTo(names.topic() + "-dead-letters");
    assertThat(names.group()).isEqualTo(names.topic() + "-group");
    for (var name : List.of(names.topic(), names.topic("x"), names.group())) {
      Topic.validate(name);
    }
    assertThat(topicsSeen.add(names.topic())).isTrue();
  }

  @Test
  void unique_sanitisesAndNumbers() {
    var a = TestNames.unique("My Test#method(int)");
    var b = TestNames.unique("My Test#method(int)");
    assertThat(a.topic()).matches("My-Test-method-int-\\d+");
    assertThat(a.topic()).isNotEqualTo(b.topic());
    assertThat(TestNames.unique("x".repeat(500)).topic("s").length()).isLessThanOrEqualTo(200);
    assertThatThrownBy(() -> TestNames.unique("###")).hasMessageContaining("letter or digit");
    assertThatThrownBy(() -> a.topic("y".repeat(41))).hasMessageContaining("at most 40");
  }

  @Test
  void aBrokersFatalFault_cannotHaltTheJvm(EmbeddedKafka kafka) {
    // Kafka's fault handlers end with Exit.halt(1); with an embedded broker that throws instead.
    assertThat(kafka.bootstrapServers()).isNotBlank();
    assertThatThrownBy(() -> Exit.halt(1, "simulated fatal fault"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("refused");
    assertThatThrownBy(() -> Exit.exit(1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("refused");
  }
}
