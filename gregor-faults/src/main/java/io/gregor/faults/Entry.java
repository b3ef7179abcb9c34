package io.gregor.faults;

import java.time.Duration;
import java.util.Objects;

/**
 * One thing that happened in a fault scenario, at {@code at} after the run started. Ids are unique
 * per produced message (for example {@code id-000123}); a consumer name identifies one consumer
 * session (a consumer restarted under a new name is a new session).
 */
public sealed interface Entry {
  /** When it happened, measured from the start of the run. */
  Duration at();

  /**
   * A message handed to the producer, with its key and the partition it asked for ({@code null}:
   * the partitioner's choice).
   */
  record Produced(String id, String key, Integer partition, Duration at) implements Entry {
    public Produced {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(at, "at");
    }
  }

  /** Kafka acknowledged a message: it is in the log at {@code partition}@{@code offset}. */
  record Acknowledged(String id, int partition, long offset, Duration at) implements Entry {
    public Acknowledged {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(at, "at");
    }
  }

  /** The producer reported that it could not send a message (an error event naming it). */
  record Failed(String id, String reason, Duration at) implements Entry {
    public Failed {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(at, "at");
    }
  }

  /** A consumer session read a record. */
  record Consumed(String id, String key, int partition, long offset, String consumer, Duration at)
      implements Entry {
    public Consumed {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(consumer, "consumer");
      Objects.requireNonNull(at, "at");
    }
  }

  /** A fault injected or a step of the scenario, for the log; the checker ignores it. */
  record Note(String what, Duration at) implements Entry {
    public Note {
      Objects.requireNonNull(what, "what");
      Objects.requireNonNull(at, "at");
    }
  }
}
