package io.gregor.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java snippet in README.md and docs/ is a tagged region ({@code // tag::name[]} ... {@code
 * // end::name[]}) of a source file in this package, which the compiler checks and {@link
 * DocsExamplesTest} runs; so no example in the docs can rot.
 */
class DocsSnippetsTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path EXAMPLES = Path.of("src/test/java/io/gregor/docs");
  private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern TAG =
      Pattern.compile(
          "^\\s*// tag::([\\w-]+)\\[]\\n(.*?)^\\s*// end::\\1\\[]",
          Pattern.DOTALL | Pattern.MULTILINE);

  @Test
  void everyJavaSnippetInTheDocs_isATaggedRegionOfACompiledExample() throws IOException {
    // given
    Map<String, String> regions = taggedRegions();
    List<Path> documents = documents();

    // when
    List<String> orphans = new ArrayList<>();
    int snippets = 0;
    for (Path document : documents) {
      Matcher block = JAVA_BLOCK.matcher(Files.readString(document));
      while (block.find()) {
        snippets++;
        String snippet = normalize(block.group(1));
        if (!regions.containsValue(snippet)) {
          orphans.add(ROOT.relativize(document) + ":\n" + snippet);
        }
      }
    }

    // then
    assertThat(snippets).as("Java snippets found in %s", documents).isGreaterThan(0);
    assertThat(orphans)
        .as("snippets that are not a tagged region of %s (copy them exactly)", EXAMPLES)
        .isEmpty();
  }

  private static List<Path> documents() throws IOException {
    List<Path> documents = new ArrayList<>();
    documents.add(ROOT.resolve("README.md"));
    try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
      docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(documents::add);
    }
    return documents;
  }

  private static Map<String, String> taggedRegions() throws IOException {
    Map<String, String> regions = new HashMap<>();
    try (Stream<Path> sources = Files.list(EXAMPLES)) {
      for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher tag = TAG.matcher(Files.readString(source));
        while (tag.find()) {
          regions.put(source.getFileName() + "#" + tag.group(1), normalize(tag.group(2)));
        }
      }
    }
    return regions;
  }

  /** Without the common indentation, trailing blanks and blank lines at either end. */
  static String normalize(String code) {
    List<String> lines =
        new ArrayList<>(code.stripTrailing().lines().map(String::stripTrailing).toList());
    while (!lines.isEmpty() && lines.getFirst().isBlank()) {
      lines.removeFirst();
    }
    int indent =
        lines.stream()
            .filter(line -> !line.isBlank())
            .mapToInt(line -> line.length() - line.stripLeading().length())
            .min()
            .orElse(0);
    return String.join(
        "\n", lines.stream().map(line -> line.isBlank() ? "" : line.substring(indent)).toList());
  }
}
