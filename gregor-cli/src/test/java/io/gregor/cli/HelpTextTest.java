package io.gregor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Help texts: picocli prints each description element on a line of its own. */
class HelpTextTest {
  @Test
  void everyDescriptionLine_endsASentence() {
    // given
    List<String> broken = new ArrayList<>();

    // when
    collect(Gregor.commandLine(), broken);

    // then: no line ends mid-sentence (each element is a sentence or more)
    assertThat(broken).isEmpty();
  }

  private static void collect(CommandLine command, List<String> broken) {
    CommandSpec spec = command.getCommandSpec();
    for (String line : spec.usageMessage().description()) {
      check(spec.qualifiedName(), line, broken);
    }
    for (var option : spec.options()) {
      for (String line : option.description()) {
        check(spec.qualifiedName() + " " + option.longestName(), line, broken);
      }
    }
    command.getSubcommands().values().forEach(sub -> collect(sub, broken));
  }

  private static void check(String where, String line, List<String> broken) {
    String text = line.strip();
    if (!text.isEmpty() && !text.endsWith(".") && !text.endsWith("}")) {
      broken.add(where + ": " + text);
    }
  }
}
