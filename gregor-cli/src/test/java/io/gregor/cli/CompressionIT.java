package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compressed data both ways, without the JVM's warnings: Kafka's zstd, snappy and lz4 codecs load
 * native code, which the JDK warns about unless native access is enabled (the CLI's jar enables it
 * in its manifest, and the launcher on its command line).
 */
@ExtendWith(SharedKafka.class)
class CompressionIT {
  @TempDir Path tmp;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"zstd", "snappy", "lz4"})
  void compressedRecords_goBothWays_withoutJvmWarnings(
      String codec, EmbeddedKafka kafka, TestNames names) throws Exception {
    // given
    var topic = names.topic(codec);
    kafka.createTopic(topic, 1);

    // when
    var produce =
        Cli.runWithInput(
            tmp,
            "one\ntwo\n",
            "produce",
            "-b",
            kafka.bootstrapServers(),
            "-t",
            topic,
            "--compression",
            codec);
    var consume = Cli.run(tmp, "consume", "-b", kafka.bootstrapServers(), "-t", topic, "-n", "2");

    // then
    assertThat(produce.exitCode()).as("produce: %s", produce.stderr()).isZero();
    assertThat(consume.exitCode()).as("consume: %s", consume.stderr()).isZero();
    assertThat(consume.stdout().lines()).containsExactly("one", "two");
    assertThat(produce.stderr() + consume.stderr()).doesNotContain("WARNING");
  }
}
