package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --command-config}: a Kafka client properties file, here the TLS and SCRAM settings of a
 * secured broker, which this class runs (its client listener is SASL_SSL).
 */
class CommandConfigIT {
  private static final String USER = "cli-user";
  private static final String PASSWORD = "cli-Secret-2718";
  private static final String WRONG_PASSWORD = "not-cli-Secret-3141";

  private static EmbeddedKafka kafka;

  @TempDir Path tmp;

  @BeforeAll
  static void startSecuredBroker() {
    kafka = EmbeddedKafka.builder().tls().saslScram(Map.of(USER, PASSWORD)).start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  /** A properties file with the client settings for {@code password}. */
  private Path commandConfig(String name, String password) throws IOException {
    var properties = new Properties();
    properties.putAll(kafka.clientScramConfig(USER, password));
    var file = tmp.resolve(name);
    try (OutputStream out = Files.newOutputStream(file)) {
      properties.store(out, "client settings of " + USER);
    }
    return file;
  }

  @Test
  void topicsProduceAndConsume_withACommandConfig_talkToASecuredBroker() throws Exception {
    // given
    var names = TestNames.unique("CommandConfigIT-roundTrip");
    var config = commandConfig("client.properties", PASSWORD).toString();
    var bootstrap = kafka.bootstrapServers();

    // when
    var create =
        Cli.run(
            tmp, "topics", "create", names.topic(), "-b", bootstrap, "--command-config", config);
    var produce =
        Cli.runWithInput(
            tmp, "one\ntwo\n", "produce", "-t", names.topic(), "-b", bootstrap, "-F", config);
    var consume =
        Cli.run(tmp, "consume", "-t", names.topic(), "--count", "2", "-b", bootstrap, "-F", config);

    // then
    assertThat(create.exitCode()).as("%s", create).isZero();
    assertThat(produce.exitCode()).as("%s", produce).isZero();
    assertThat(consume.exitCode()).as("%s", consume).isZero();
    assertThat(consume.stdoutLines()).containsExactly("one", "two");
  }

  @Test
  void kafkaOptions_overrideTheCommandConfig() throws Exception {
    // given: a file with the wrong password; -X gives the right one
    var config = commandConfig("wrong.properties", WRONG_PASSWORD).toString();
    var right = kafka.clientScramConfig(USER, PASSWORD).get("sasl.jaas.config");

    // when
    var list =
        Cli.run(
            tmp,
            "topics",
            "list",
            "-b",
            kafka.bootstrapServers(),
            "-F",
            config,
            "-X",
            "sasl.jaas.config=" + right);

    // then
    assertThat(list.exitCode()).as("%s", list).isZero();
  }

  @Test
  void aWrongPasswordInTheCommandConfig_isAnAuthenticationError_withoutThePassword()
      throws Exception {
    // given
    var config = commandConfig("wrong.properties", WRONG_PASSWORD).toString();

    // when
    var list = Cli.run(tmp, "topics", "list", "-b", kafka.bootstrapServers(), "-F", config);

    // then
    assertThat(list.exitCode()).as("%s", list).isEqualTo(1);
    assertThat(list.stderrLines())
        .singleElement()
        .asString()
        .startsWith("gregor topics list: ")
        .containsIgnoringCase("authentication failed");
    assertThat(list.stdout() + list.stderr()).doesNotContain(WRONG_PASSWORD);
  }

  @ParameterizedTest
  @ValueSource(strings = {"produce -t t", "consume -t t", "topics list"})
  void aCommandConfigThatCannotBeRead_isAClearError_namingTheFile(String command) throws Exception {
    // given
    var missing = tmp.resolve("no-such.properties");
    var args = (command + " -b " + kafka.bootstrapServers() + " -F " + missing).split(" ");

    // when
    var result = Cli.runWithInput(tmp, "x\n", args);

    // then
    assertThat(result.exitCode()).as("%s", result).isEqualTo(1);
    assertThat(result.stderrLines())
        .singleElement()
        .asString()
        .endsWith(": cannot read --command-config " + missing + ": no such file");
  }
}
