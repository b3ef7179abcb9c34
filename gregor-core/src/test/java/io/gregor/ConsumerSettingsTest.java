package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings are checked when the consumer is created, with messages that name the setting. */
class ConsumerSettingsTest {
  private static final ConsumerSettings<String, String, Received<String, String>> VALID =
      ConsumerSettings.create("localhost:9092", "group", Codecs.string(), Codecs.string());

  @Test
  void create_withoutBootstrapServers_namesTheSetting() {
    var settings = ConsumerSettings.create(Map.of(), Codecs.string(), Codecs.string());

    assertThatThrownBy(() -> Consumer.create(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bootstrap.servers");
  }

  @Test
  void create_withAKafkaDeserializerEntry_pointsToTheDeserializerSetting() {
    var settings = VALID.withKafka("value.deserializer", "x.Y");

    assertThatThrownBy(() -> Consumer.create(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("value.deserializer")
        .hasMessageContaining("valueDeserializer");
  }

  @Test
  void create_withoutADeserializer_namesIt() {
    var settings =
        ConsumerSettings.create("localhost:9092", "group", Codecs.string(), (Codec<String>) null);

    assertThatThrownBy(() -> Consumer.create(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("valueDeserializer");
  }

  @Test
  void create_withAnOutputBufferOfZero_namesTheSettingAndTheMinimum() {
    var settings = VALID.withOutputBufferSize(0);

    assertThatThrownBy(() -> Consumer.create(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outputBufferSize")
        .hasMessageContaining("at least 1");
  }

  @Test
  void create_withAZeroCloseTimeout_namesTheSetting() {
    var settings = VALID.withCloseTimeout(Duration.ZERO);

    assertThatThrownBy(() -> Consumer.create(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("closeTimeout");
  }

  @Test
  void create_withTopicsButNoGroup_explainsThatSubscribingNeedsAGroup() {
    var settings =
        ConsumerSettings.create("localhost:9092", null, Codecs.string(), Codecs.string())
            .withTopics("orders");

    assertThatThrownBy(() -> Consumer.create(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("group.id");
  }

  @Test
  void create_withAnAutoCommitFlagThatIsNotABoolean_namesTheEntry() {
    var settings = VALID.withKafka("enable.auto.commit", "yes");

    assertThatThrownBy(() -> Consumer.create(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("enable.auto.commit")
        .hasMessageContaining("true or false");
  }

  @Test
  void create_withANegativeAutoCommitInterval_namesTheEntry() {
    var settings = VALID.withKafka("auto.commit.interval.ms", -1);

    assertThatThrownBy(() -> Consumer.create(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("auto.commit.interval.ms")
        .hasMessageContaining("at least 0");
  }

  @Test
  void create_withMaxPollRecordsThatIsNotANumber_namesTheEntry() {
    var settings = VALID.withKafka("max.poll.records", "many");

    assertThatThrownBy(() -> Consumer.create(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max.poll.records")
        .hasMessageContaining("'many'");
  }

  @Test
  void outputPolicy_alwaysHasDataAndEof() {
    var settings = VALID.withOutputPolicy(EventType.ERROR);

    assertThat(settings.outputPolicy())
        .containsExactlyInAnyOrder(EventType.DATA, EventType.ERROR, EventType.EOF);
  }

  @Test
  void withMethods_returnCopies_andLeaveTheOriginalAlone() {
    var changed = VALID.withOutputBufferSize(7).withKafka("max.poll.records", 9);

    assertThat(changed.outputBufferSize()).isEqualTo(7);
    assertThat(changed.kafka()).containsEntry("max.poll.records", 9);
    assertThat(VALID.outputBufferSize()).isEqualTo(ConsumerSettings.DEFAULT_OUTPUT_BUFFER_SIZE);
    assertThat(VALID.kafka()).doesNotContainKey("max.poll.records");
  }

  @Test
  void topics_withNoNamesOrABlankOne_areRejected() {
    assertThatThrownBy(() -> Topics.of()).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Topics.of("orders", " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
  }
}
