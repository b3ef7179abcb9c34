package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The module exports its API package and nothing else: the engine stays internal. */
class ModuleDescriptorTest {

  @Test
  void module_exportsOnlyTheApiPackage() throws Exception {
    // given
    ModuleDescriptor descriptor;
    try (InputStream in = Files.newInputStream(Path.of("target/classes/module-info.class"))) {
      descriptor = ModuleDescriptor.read(in);
    }

    // then
    assertThat(descriptor.name()).isEqualTo("io.gregor");
    assertThat(descriptor.exports())
        .singleElement()
        .satisfies(
            export -> {
              assertThat(export.source()).isEqualTo("io.gregor");
              assertThat(export.isQualified()).isFalse();
            });
    assertThat(descriptor.opens()).isEmpty();
    assertThat(Path.of("target/classes/io/gregor/internal")).isDirectory();
  }
}
