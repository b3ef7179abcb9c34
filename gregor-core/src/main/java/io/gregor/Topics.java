package io.gregor;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/** What a consumer subscribes to: topic names, or a pattern. */
public sealed interface Topics {

  /** One or more topic names. */
  static Topics of(String... names) {
    return new Names(List.of(names));
  }

  /** A list of topic names. */
  static Topics of(List<String> names) {
    return new Names(names);
  }

  /** Every topic whose name matches {@code regex}, now or later. */
  static Topics matching(String regex) {
    return new Matching(Pattern.compile(regex));
  }

  /** Subscription by name. Kafka's subscriptions are not incremental: list every topic. */
  record Names(List<String> names) implements Topics {
    public Names {
      names = List.copyOf(names);
      if (names.isEmpty()) {
        throw new IllegalArgumentException("topics: give at least one topic name");
      }
      for (String name : names) {
        if (name.isBlank()) {
          throw new IllegalArgumentException("topics: a topic name is blank");
        }
      }
    }
  }

  /** Subscription by pattern. */
  record Matching(Pattern pattern) implements Topics {
    public Matching {
      Objects.requireNonNull(pattern, "pattern");
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Matching(Pattern p) && p.pattern().equals(pattern.pattern());
    }

    @Override
    public int hashCode() {
      return pattern.pattern().hashCode();
    }
  }
}
