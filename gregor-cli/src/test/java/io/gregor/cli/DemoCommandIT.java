package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gregor.embedded.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code gregor demo}, the README's first command, as a newcomer runs it. */
@ExtendWith(SharedKafka.class)
class DemoCommandIT {
  private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

  @TempDir Path tmp;

  @Test
  void demo_withoutArguments_startsABroker_andShowsTheEventsOfBothExamples() throws Exception {
    // when
    var demo = Cli.run(tmp, "demo");

    // then
    assertThat(demo.exitCode()).as("%s", demo).isZero();
    assertThat(demo.took()).isLessThan(Duration.ofSeconds(60));
    assertThat(demo.stderr()).as("stderr").isEmpty();
    var out = demo.stdout();
    assertThat(out)
        .contains("Kafka is up at 127.0.0.1:")
        // the simple example: JSON maps, as sent
        .contains("consumer <- Data      gregor.test-0@0 key=null value={\"a\":1,\"b\":2}")
        .contains("consumer <- Data      gregor.test-0@1 key=null value={\"a\":3,\"b\":4}")
        .containsPattern(
            // the transducer example: key {uuid}, value with the producer's timestamp, topic set
            "consumer <- Data      gregor\\.test\\.send-0@0 key=\\{\"uuid\":\""
                + UUID
                + "\"} value=\\{\"a\":1,\"b\":2,\"producer-timestamp\":\\d{13}}")
        .containsPattern(
            "consumer <- Data      gregor\\.test\\.send-0@1 key=\\{\"uuid\":\""
                + UUID
                + "\"} value=\\{\"a\":3,\"b\":4,\"producer-timestamp\":\\d{13}}");
    // both producers and the consumer: the close result, then EOF, last
    assertThat(demo.stdoutLines().stream().filter(l -> l.contains("<- ")).toList())
        .containsSubsequence(
            "   producer <- Result    Close: done",
            "   producer <- Eof",
            "   producer <- Result    Close: done",
            "   producer <- Eof",
            "   consumer <- Result    Close: done",
            "   consumer <- Eof");
    assertThat(out).doesNotContain("Error ").contains("Done in ");
  }

  @Test
  void demo_withBootstrap_usesThatKafka_andDeletesItsTopics(EmbeddedKafka kafka) throws Exception {
    // when
    var demo = Cli.run(tmp, "demo", "--bootstrap", kafka.bootstrapServers());

    // then
    assertThat(demo.exitCode()).as("%s", demo).isZero();
    assertThat(demo.stdout())
        .contains("Using Kafka at " + kafka.bootstrapServers())
        .doesNotContain("Starting a Kafka")
        .containsPattern(
            "consumer <- Data      gregor\\.test\\.send-[0-9a-f]{8}-0@1 key=\\{\"uuid\"")
        .contains("consumer <- Eof");
    try (var admin =
        Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(admin.listTopics().names().get())
                      .noneMatch(name -> name.startsWith("gregor.test")));
    }
  }
}
