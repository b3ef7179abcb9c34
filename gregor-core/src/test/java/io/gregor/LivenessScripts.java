package io.gregor;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What {@link LivenessTest} generates: a client's settings, who reads its output, and a sequence of
 * steps done to it (operations in both forms, finishing channels, closing). Everything prints
 * readably, since a failing sample is reported as its {@code toString}.
 *
 * <p>Steps name topics and partitions symbolically ({@link TopicRef}, {@link PartitionRef}); each
 * try makes the real values from its own topic names ({@link Target}), so a sample can be replayed
 * against a fresh broker.
 */
final class LivenessScripts {
  private LivenessScripts() {}

  /** The value a consumer's deserializer (or a producer's serializer) fails on with an Error. */
  static final String POISON = "poison";

  // ---------------------------------------------------------------- the model

  /** One generated scenario. */
  record Script(Setup setup, Reader reader, List<Step> steps) {
    @Override
    public String toString() {
      StringBuilder text = new StringBuilder();
      text.append(setup).append(", reader ").append(reader).append(", steps:");
      for (int i = 0; i < steps.size(); i++) {
        text.append(String.format("%n    %2d. %s", i + 1, steps.get(i)));
      }
      if (steps.isEmpty()) {
        text.append(" none");
      }
      return text.append(String.format("%n    then close()")).toString();
    }
  }

  /** How the client is configured. */
  sealed interface Setup {
    /** The events asked for (before the client adds those it always delivers). */
    Set<EventType> policy();

    int outputBufferSize();

    Duration closeTimeout();
  }

  /**
   * A consumer of the try's topic (2 partitions, {@code records} records written before it starts).
   */
  record ConsumerSetup(
      boolean group,
      boolean subscribed,
      boolean autoCommit,
      int outputBufferSize,
      Set<EventType> policy,
      Duration closeTimeout,
      int records,
      Transducer transducer)
      implements Setup {
    @Override
    public String toString() {
      return "consumer("
          + (group ? "group" : "no group")
          + (subscribed ? ", subscribed" : "")
          + (autoCommit ? ", auto-commit" : "")
          + ", outputBufferSize="
          + outputBufferSize
          + ", policy="
          + policy
          + ", closeTimeout="
          + closeTimeout.toSeconds()
          + "s, records="
          + records
          + (transducer == Transducer.NONE ? "" : ", transducer " + transducer)
          + ")";
    }
  }

  /** A producer. */
  record ProducerSetup(
      Set<EventType> policy,
      int inputBufferSize,
      int outputBufferSize,
      int maxInFlight,
      Duration closeTimeout,
      Transducer transducer)
      implements Setup {
    @Override
    public String toString() {
      return "producer(policy="
          + policy
          + ", inputBufferSize="
          + inputBufferSize
          + ", outputBufferSize="
          + outputBufferSize
          + ", maxInFlight="
          + maxInFlight
          + ", closeTimeout="
          + closeTimeout.toSeconds()
          + "s"
          + (transducer == Transducer.NONE ? "" : ", transducer " + transducer)
          + ")";
    }
  }

  /**
   * The client's transducer: none, one that stops early, or one whose finisher (run at close)
   * throws an Error, which ends the client's loop. Each passes its elements on unchanged.
   */
  enum Transducer {
    NONE,
    TAKE_3,
    FINISHER_THROWS_ERROR;

    @Override
    public String toString() {
      return switch (this) {
        case NONE -> "none";
        case TAKE_3 -> "take(3)";
        case FINISHER_THROWS_ERROR -> "whose finisher throws an Error";
      };
    }
  }

  /** Who reads the output while the steps run. */
  enum Reader {
    /** Drains the output continuously. */
    FAST,
    /** Sleeps a few milliseconds after each event. */
    SLOW,
    /** Reads nothing until close() has returned, then drains what is left. */
    ABSENT
  }

  /** The try's own names, from which steps make their arguments. */
  record Target(String topic, String missingTopic) {
    TopicPartition partition(PartitionRef ref) {
      return switch (ref) {
        case P0 -> new TopicPartition(topic, 0);
        case P1 -> new TopicPartition(topic, 1);
        case P9 -> new TopicPartition(topic, 9);
        case MISSING_0 -> new TopicPartition(missingTopic, 0);
      };
    }

    Set<TopicPartition> partitions(Set<PartitionRef> refs) {
      return refs.stream().map(this::partition).collect(Collectors.toSet());
    }

    String topic(TopicRef ref) {
      return switch (ref) {
        case OURS -> topic;
        case MISSING -> missingTopic;
        case NULL -> null;
        case EMPTY -> "";
        case BLANK -> "  ";
      };
    }
  }

  /** A topic argument: the try's topic, one that does not exist, or an invalid name. */
  enum TopicRef {
    OURS,
    MISSING,
    NULL,
    EMPTY,
    BLANK;

    @Override
    public String toString() {
      return switch (this) {
        case OURS -> "topic";
        case MISSING -> "missing-topic";
        case NULL -> "null";
        case EMPTY -> "\"\"";
        case BLANK -> "\"  \"";
      };
    }
  }

  /** A partition argument: the topic's two partitions, one it lacks, one of a missing topic. */
  enum PartitionRef {
    P0,
    P1,
    P9,
    MISSING_0;

    @Override
    public String toString() {
      return switch (this) {
        case P0 -> "p0";
        case P1 -> "p1";
        case P9 -> "p9 (no such partition)";
        case MISSING_0 -> "missing-topic-0";
      };
    }
  }

  /** A value made for one try (an operation, an input, anything sent on a channel). */
  record Spec(String label, Function<Target, Object> make) {
    @Override
    public String toString() {
      return label;
    }
  }

  /** Something sent on a control channel that is not an operation at all. */
  record NotAnOperation(String note) {}

  /** One thing done to the client. */
  sealed interface Step {
    /** {@code control().sendOrClosed(item)}: a result or error event should answer it. */
    record OnControl(Spec item) implements Step {
      @Override
      public String toString() {
        return "control <- " + item;
      }
    }

    /** The direct-call method for the operation: returns, or throws a GregorException. */
    record Call(Spec operation) implements Step {
      @Override
      public String toString() {
        return "direct    " + operation;
      }
    }

    /** {@code input().sendOrClosed(item)} (producer). */
    record Send(Spec input) implements Step {
      @Override
      public String toString() {
        return "input   <- " + input;
      }
    }

    record ControlDone() implements Step {
      @Override
      public String toString() {
        return "control().done()";
      }
    }

    /** The reader finishing the output: it wants no more. */
    record OutputDone() implements Step {
      @Override
      public String toString() {
        return "output().done()";
      }
    }

    record InputDone() implements Step {
      @Override
      public String toString() {
        return "input().done()";
      }
    }

    /** Writes a record the consumer's deserializer fails on with an Error (its loop dies). */
    record Poison() implements Step {
      @Override
      public String toString() {
        return "write a record whose deserializer throws an Error";
      }
    }
  }

  // ---------------------------------------------------------------- generators

  private static final int MAX_STEPS = 12;

  static Arbitrary<Script> consumerScripts() {
    Arbitrary<Step> step =
        Arbitraries.frequencyOf(
            Tuple.of(30, consumerOperations().map(Step.OnControl::new)),
            Tuple.of(30, consumerOperations().map(Step.Call::new)),
            Tuple.of(4, notForAConsumer().map(Step.OnControl::new)),
            Tuple.of(2, Arbitraries.just(new Step.ControlDone())),
            Tuple.of(2, Arbitraries.just(new Step.OutputDone())),
            Tuple.of(2, Arbitraries.just(new Step.Poison())));
    return Combinators.combine(consumerSetups(), readers(), step.list().ofMaxSize(MAX_STEPS))
        .as(Script::new);
  }

  static Arbitrary<Script> producerScripts() {
    Arbitrary<Step> step =
        Arbitraries.frequencyOf(
            Tuple.of(30, inputs().map(Step.Send::new)),
            Tuple.of(20, producerOperations().map(Step.OnControl::new)),
            Tuple.of(20, producerOperations().map(Step.Call::new)),
            Tuple.of(5, notForAProducer().map(Step.OnControl::new)),
            Tuple.of(2, Arbitraries.just(new Step.ControlDone())),
            Tuple.of(2, Arbitraries.just(new Step.OutputDone())),
            Tuple.of(2, Arbitraries.just(new Step.InputDone())));
    return Combinators.combine(producerSetups(), readers(), step.list().ofMaxSize(MAX_STEPS))
        .as(Script::new);
  }

  private static Arbitrary<Reader> readers() {
    return Arbitraries.frequency(
        Tuple.of(3, Reader.FAST), Tuple.of(2, Reader.SLOW), Tuple.of(2, Reader.ABSENT));
  }

  private static Arbitrary<Transducer> transducers() {
    return Arbitraries.frequency(
        Tuple.of(5, Transducer.NONE),
        Tuple.of(2, Transducer.TAKE_3),
        Tuple.of(1, Transducer.FINISHER_THROWS_ERROR));
  }

  private static Arbitrary<Duration> closeTimeouts() {
    return Arbitraries.integers().between(1, 3).map(Duration::ofSeconds);
  }

  private static Arbitrary<ConsumerSetup> consumerSetups() {
    Arbitrary<Set<EventType>> policies =
        Arbitraries.<Set<EventType>>frequency(
            Tuple.of(4, EnumSet.of(EventType.CONTROL, EventType.ERROR)),
            Tuple.of(1, EnumSet.of(EventType.ERROR)),
            Tuple.of(1, EnumSet.of(EventType.CONTROL)),
            Tuple.of(1, EnumSet.noneOf(EventType.class)));
    return Combinators.combine(
            Arbitraries.frequency(Tuple.of(4, true), Tuple.of(1, false)),
            Arbitraries.of(true, false),
            Arbitraries.of(true, false),
            Arbitraries.of(1, 4, 1024),
            policies,
            closeTimeouts(),
            Arbitraries.integers().between(0, 20),
            transducers())
        .as(
            (group, subscribed, autoCommit, buffer, policy, closeTimeout, records, transducer) ->
                new ConsumerSetup(
                    group,
                    group && subscribed,
                    autoCommit,
                    buffer,
                    policy,
                    closeTimeout,
                    records,
                    transducer));
  }

  private static Arbitrary<ProducerSetup> producerSetups() {
    Arbitrary<Set<EventType>> policies =
        Arbitraries.<Set<EventType>>frequency(
            Tuple.of(4, EnumSet.of(EventType.DATA, EventType.CONTROL, EventType.ERROR)),
            Tuple.of(1, EnumSet.of(EventType.CONTROL, EventType.ERROR)),
            Tuple.of(1, EnumSet.of(EventType.ERROR)),
            Tuple.of(1, EnumSet.of(EventType.DATA)),
            Tuple.of(1, EnumSet.noneOf(EventType.class)));
    return Combinators.combine(
            policies,
            Arbitraries.of(1, 4, 1024),
            Arbitraries.of(1, 4, 1024),
            Arbitraries.of(1, 4, 32_768),
            closeTimeouts(),
            transducers())
        .as(ProducerSetup::new);
  }

  private static Spec spec(String label, Function<Target, Object> make) {
    return new Spec(label, make);
  }

  private static Arbitrary<Spec> just(String label, Function<Target, Object> make) {
    return Arbitraries.just(spec(label, make));
  }

  private static Arbitrary<PartitionRef> partitionRefs() {
    return Arbitraries.of(PartitionRef.class);
  }

  private static Arbitrary<Set<PartitionRef>> partitionSets() {
    return Arbitraries.subsetOf(PartitionRef.values())
        .map(set -> set.isEmpty() ? EnumSet.noneOf(PartitionRef.class) : EnumSet.copyOf(set));
  }

  private static String label(Set<PartitionRef> partitions) {
    return partitions.stream().map(String::valueOf).collect(Collectors.joining(", ", "{", "}"));
  }

  /** A subscription: the try's topic, a missing one, both, or a pattern matching the topic. */
  private static Arbitrary<Spec> subscriptions() {
    return Arbitraries.of(
        spec(
            "Subscribe(topic)",
            target -> new Operation.Subscribe(Topics.of(target.topic(TopicRef.OURS)))),
        spec(
            "Subscribe(missing-topic)",
            target -> new Operation.Subscribe(Topics.of(target.missingTopic()))),
        spec(
            "Subscribe(topic, missing-topic)",
            target -> new Operation.Subscribe(Topics.of(target.topic(), target.missingTopic()))),
        spec(
            "Subscribe(matching topic)",
            target -> new Operation.Subscribe(Topics.matching(Pattern.quote(target.topic())))));
  }

  private static Arbitrary<Spec> partitionsFor() {
    return Arbitraries.of(TopicRef.class)
        .map(
            topic ->
                spec(
                    "PartitionsFor(" + topic + ")",
                    target -> new Operation.PartitionsFor(target.topic(topic))));
  }

  private static Arbitrary<Spec> partitionSetOperation(
      String name, Function<Set<TopicPartition>, Operation<?>> make) {
    return partitionSets()
        .map(
            partitions ->
                spec(
                    name + "(" + label(partitions) + ")",
                    target -> make.apply(target.partitions(partitions))));
  }

  /** Every consumer operation, with valid and invalid arguments. */
  static Arbitrary<Spec> consumerOperations() {
    Arbitrary<Spec> commitOffsets =
        Combinators.combine(partitionRefs(), Arbitraries.of(0L, 5L, 1_000_000L))
            .as(
                (partition, offset) ->
                    spec(
                        "Commit({" + partition + "=" + offset + "})",
                        target ->
                            new Operation.Commit(
                                Map.of(
                                    target.partition(partition), new OffsetAndMetadata(offset)))));
    Arbitrary<Spec> seek =
        Combinators.combine(partitionRefs(), Arbitraries.of(-1L, 0L, 3L, 1_000_000L))
            .as(
                (partition, offset) ->
                    spec(
                        "Seek(" + partition + ", " + offset + ")",
                        target -> new Operation.Seek(target.partition(partition), offset)));
    Arbitrary<Spec> seekToTimestamp =
        Combinators.combine(
                partitionSets(),
                Arbitraries.of(
                    "epoch", "an hour ago", "in an hour", "-1 ms (negative)", "Instant.MAX"))
            .as(
                (partitions, when) ->
                    spec(
                        "SeekToTimestamp(" + label(partitions) + ", " + when + ")",
                        target ->
                            new Operation.SeekToTimestamp(
                                target.partitions(partitions), instant(when))));
    return Arbitraries.oneOf(
        List.of(
            subscriptions(),
            just("Unsubscribe()", target -> new Operation.Unsubscribe()),
            just("Subscriptions()", target -> new Operation.Subscriptions()),
            partitionsFor(),
            just("Metrics()", target -> new Operation.Metrics()),
            just("Commit()", target -> new Operation.Commit()),
            commitOffsets,
            partitionSetOperation("Committed", Operation.Committed::new),
            just("Assignment()", target -> new Operation.Assignment()),
            partitionSetOperation("Assign", Operation.Assign::new),
            seek,
            partitionSetOperation("SeekToBeginning", Operation.SeekToBeginning::new),
            partitionSetOperation("SeekToEnd", Operation.SeekToEnd::new),
            seekToTimestamp,
            partitionRefs()
                .map(
                    partition ->
                        spec(
                            "Position(" + partition + ")",
                            target -> new Operation.Position(target.partition(partition)))),
            partitionSetOperation("Pause", Operation.Pause::new),
            partitionSetOperation("Resume", Operation.Resume::new),
            just("Paused()", target -> new Operation.Paused()),
            partitionSetOperation("EndOffsets", Operation.EndOffsets::new),
            just("Lag()", target -> new Operation.Lag()),
            just("ListTopics()", target -> new Operation.ListTopics()),
            just("Close()", target -> new Operation.Close())));
  }

  private static Instant instant(String when) {
    return switch (when) {
      case "epoch" -> Instant.EPOCH;
      case "an hour ago" -> Instant.now().minusSeconds(3600);
      case "in an hour" -> Instant.now().plusSeconds(3600);
      case "-1 ms (negative)" -> Instant.ofEpochMilli(-1);
      case "Instant.MAX" -> Instant.MAX;
      default -> throw new IllegalArgumentException(when);
    };
  }

  /** Every producer operation, with valid and invalid arguments. */
  static Arbitrary<Spec> producerOperations() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, partitionsFor()),
        Tuple.of(3, just("Flush()", target -> new Operation.Flush())),
        Tuple.of(2, just("Metrics()", target -> new Operation.Metrics())),
        Tuple.of(1, just("Close()", target -> new Operation.Close())));
  }

  /** What a consumer's control channel must refuse: a producer's operation, or no operation. */
  private static Arbitrary<Spec> notForAConsumer() {
    return Arbitraries.of(
        spec("Flush() (a producer operation)", target -> new Operation.Flush()),
        spec("NotAnOperation", target -> new NotAnOperation("rewind, please")));
  }

  /** What a producer's control channel must refuse: consumer operations, or no operation. */
  private static Arbitrary<Spec> notForAProducer() {
    return Arbitraries.of(
        spec(
            "Subscribe(topic) (a consumer operation)",
            target -> new Operation.Subscribe(Topics.of(target.topic()))),
        spec("Assignment() (a consumer operation)", target -> new Operation.Assignment()),
        spec(
            "Seek(p0, 0) (a consumer operation)",
            target -> new Operation.Seek(target.partition(PartitionRef.P0), 0)),
        spec("Lag() (a consumer operation)", target -> new Operation.Lag()),
        spec("Commit() (a consumer operation)", target -> new Operation.Commit()),
        spec("NotAnOperation", target -> new NotAnOperation("rewind, please")));
  }

  /** Producer inputs: valid messages, invalid ones, one the serializer fails on, a non-message. */
  private static Arbitrary<Spec> inputs() {
    List<Tuple.Tuple2<Integer, Arbitrary<Spec>>> choices = new ArrayList<>();
    choices.add(Tuple.of(12, just("Message(topic, v)", target -> Message.of(target.topic(), "v"))));
    choices.add(
        Tuple.of(
            2,
            just(
                "Message(topic, v) to p1",
                target -> Message.of(target.topic(), "v").withPartition(1))));
    choices.add(
        Tuple.of(
            1,
            just(
                "Message(topic, v) to p9 (no such partition)",
                target -> Message.of(target.topic(), "v").withPartition(9))));
    choices.add(
        Tuple.of(
            1,
            just(
                "Message(topic, v) to partition -1",
                target -> Message.of(target.topic(), "v").withPartition(-1))));
    choices.add(
        Tuple.of(
            1,
            just("Message(missing-topic, v)", target -> Message.of(target.missingTopic(), "v"))));
    choices.add(
        Tuple.of(
            1,
            just(
                "Message(null topic, v)",
                target -> new Message<>(null, null, null, "v", null, List.of(), false))));
    choices.add(
        Tuple.of(
            1,
            just(
                "Message(\"  \", v)",
                target -> new Message<>("  ", null, null, "v", null, List.of(), false))));
    choices.add(
        Tuple.of(
            1,
            just(
                "Message(topic, null value, not a tombstone)",
                target -> new Message<>(target.topic(), null, "k", null, null, List.of(), false))));
    choices.add(
        Tuple.of(1, just("Tombstone(topic, k)", target -> Message.tombstone(target.topic(), "k"))));
    choices.add(
        Tuple.of(
            1,
            just(
                "Message(topic, \"" + POISON + "\") (its serializer throws an Error)",
                target -> Message.of(target.topic(), POISON))));
    choices.add(
        Tuple.of(1, just("NotAMessage", target -> new NotAnOperation("not a message either"))));
    return Arbitraries.frequencyOf(choices);
  }
}
