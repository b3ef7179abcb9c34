package io.gregor.cli;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** How records are written as lines: {@code text} for people, {@code json} for programs. */
enum Format {
  TEXT,
  JSON;

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code text} or {@code json}, in any case. */
  static final class Converter implements ITypeConverter<Format> {
    @Override
    public Format convert(String value) {
      for (Format format : values()) {
        if (format.toString().equalsIgnoreCase(value.trim())) {
          return format;
        }
      }
      throw new TypeConversionException("'" + value + "' is not a format (text or json)");
    }
  }

  /** The values picocli shows in help as ${COMPLETION-CANDIDATES}. */
  static final class Candidates implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return List.of("text", "json").iterator();
    }
  }
}
