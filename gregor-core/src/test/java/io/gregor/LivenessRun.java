package io.gregor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;

import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.ChannelDone;
import com.softwaremill.jox.ChannelError;
import com.softwaremill.jox.Sink;
import com.softwaremill.jox.Source;
import io.gregor.LivenessScripts.ConsumerSetup;
import io.gregor.LivenessScripts.ProducerSetup;
import io.gregor.LivenessScripts.Reader;
import io.gregor.LivenessScripts.Script;
import io.gregor.LivenessScripts.Spec;
import io.gregor.LivenessScripts.Step;
import io.gregor.LivenessScripts.Target;
import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.TestNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Gatherer;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Runs one {@link Script} against a fresh client on the shared broker and checks that the client
 * stays live: every call ends, every operation sent on the control channel is answered once, the
 * output ends with EOF and is then done, close returns in time, and no thread of the client is left
 * behind. Any violation fails with a message naming it, the script, what each step did, the events
 * read and the stacks of the client's threads.
 *
 * <p>Each step runs on a virtual thread of its own and is waited for with a bound, so a hang fails
 * the try instead of the build. The only waits the contract allows are those of a producer nobody
 * reads: its direct calls and sends may wait for room in the output (see {@link Producer}), and
 * must then end once {@code close()} has returned.
 */
final class LivenessRun {
  /** Every blocking Kafka call of the clients under test gives up after this. */
  static final int KAFKA_TIMEOUT_MS = 2000;

  /** How long a direct call or a send may take when nothing is queued before it. */
  static final Duration CALL_BOUND = Duration.ofSeconds(20);

  /** Added to {@link #CALL_BOUND} for each operation or input queued before the call. */
  static final Duration PER_QUEUED = Duration.ofMillis(2 * KAFKA_TIMEOUT_MS + 500);

  /**
   * How long a step of a producer nobody reads runs before it is taken to be waiting for room in
   * the output (which the contract allows); it must then end once close() has returned.
   */
  static final Duration PARK_AFTER = Duration.ofSeconds(3);

  /** How long the output may take to end (EOF, then done) once close() has returned. */
  static final Duration READ_BOUND = Duration.ofSeconds(20);

  /** How long the client's threads may take to end once close() and the drain are over. */
  static final Duration THREADS_BOUND = Duration.ofSeconds(15);

  /** What a slow reader does after each event. */
  static final Duration SLOW_READER_PAUSE = Duration.ofMillis(2);

  private static final Pattern LOOP_THREAD = Pattern.compile("gregor-(consumer|producer)-\\d+");

  private final EmbeddedKafka kafka;
  private final KafkaProducer<String, String> testData;
  private final Script script;
  private final Target target;
  private final String clientId;
  private final String group;

  private Client client;
  private Set<EventType> policy;
  private String loopThread = "(not started)";
  private final OutputReader reader = new OutputReader();

  private final List<String> violations = new ArrayList<>();
  private final List<String> trace = new ArrayList<>();

  /** What the control channel accepted (by identity): each must be answered on the output. */
  private final List<Object> onControl = new ArrayList<>();

  /** Operations called directly (by identity): no event may carry them. */
  private final List<Object> called = new ArrayList<>();

  /** What the input channel accepted (producer, by identity): each has one outcome. */
  private final List<Object> accepted = new ArrayList<>();

  /** Steps that waited for a reader that never came (producer, absent reader). */
  private final List<Parked> parked = new ArrayList<>();

  private boolean outputDone;

  /**
   * The first request to close, in step order: a Close accepted by the control channel, or the step
   * object of a direct close(), input().done() or (producer) control().done(). Only a Close that
   * came first may be answered by the close result alone; later ones get answers of their own.
   */
  private Object firstCloser;

  private int firstCloserStep;

  LivenessRun(EmbeddedKafka kafka, KafkaProducer<String, String> testData, Script script) {
    this.kafka = kafka;
    this.testData = testData;
    this.script = script;
    String kind = script.setup() instanceof ConsumerSetup ? "consumer" : "producer";
    TestNames names = TestNames.unique("LivenessTest-" + kind);
    this.target = new Target(names.topic(), names.topic("missing"));
    this.clientId = names.topic("client");
    this.group =
        script.setup() instanceof ConsumerSetup consumer && consumer.group() ? names.group() : null;
  }

  /** The topics this try uses (the missing one may have been created on demand). */
  List<String> topics() {
    return List.of(target.topic(), target.missingTopic());
  }

  /** Runs the script; throws an AssertionError describing every violation found. */
  void run() {
    prepare();
    Set<String> before = threadNames();
    client = start();
    loopThread = loopThread(before);
    if (clientThreads().stream()
        .noneMatch(thread -> thread.name().equals(loopThread + "-control"))) {
      throw new IllegalStateException("the thread check does not see " + loopThread + "-control");
    }
    if (script.reader() != Reader.ABSENT) {
      reader.start(script.reader() == Reader.SLOW);
    }
    int number = 0;
    for (Step step : script.steps()) {
      if (!perform(++number, step)) {
        throw report(); // a hang: nothing after it can be checked
      }
    }
    if (!closeAtTheEnd()) {
      throw report();
    }
    if (script.reader() == Reader.ABSENT) {
      reader.start(false);
    }
    if (!reader.awaitEnd(READ_BOUND)) {
      violations.add(
          "the output did not end within "
              + READ_BOUND.toSeconds()
              + " s after close() returned (EOF, then done), so its reader is still waiting");
      throw report();
    }
    awaitParked();
    probeAfterClose();
    checkEvents();
    checkThreads();
    if (!violations.isEmpty()) {
      throw report();
    }
  }

  // ---------------------------------------------------------------- the client

  /** What the checks need of a consumer or a producer. */
  private interface Client {
    Sink<Object> control();

    Source<Event<?>> output();

    /** The producer's input channel; null for a consumer. */
    Sink<Object> input();

    /** Runs the operation through its direct-call method. */
    Object call(Object operation);

    void close();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private record ConsumerClient(Consumer<String, String, Received<String, String>> consumer)
      implements Client {
    @Override
    public Sink<Object> control() {
      return (Sink) consumer.control();
    }

    @Override
    public Source<Event<?>> output() {
      return (Source) consumer.output();
    }

    @Override
    public Sink<Object> input() {
      return null;
    }

    @Override
    public Object call(Object operation) {
      Consumer<?, ?, ?> c = consumer;
      return switch ((ConsumerOperation<?>) operation) {
        case Operation.Subscribe(Topics topics) -> {
          c.subscribe(topics);
          yield null;
        }
        case Operation.Unsubscribe() -> {
          c.unsubscribe();
          yield null;
        }
        case Operation.Subscriptions() -> c.subscriptions();
        case Operation.PartitionsFor(String topic) -> c.partitionsFor(topic);
        case Operation.Metrics() -> c.metrics();
        case Operation.GroupMetadata() -> c.groupMetadata();
        case Operation.Commit(var offsets) -> offsets.isEmpty() ? c.commit() : c.commit(offsets);
        case Operation.Committed(var partitions) -> c.committed(partitions);
        case Operation.Assignment() -> c.assignment();
        case Operation.Assign(var partitions) -> {
          c.assign(partitions);
          yield null;
        }
        case Operation.Seek(var partition, long offset) -> {
          c.seek(partition, offset);
          yield null;
        }
        case Operation.SeekToBeginning(var partitions) -> {
          c.seekToBeginning(partitions);
          yield null;
        }
        case Operation.SeekToEnd(var partitions) -> {
          c.seekToEnd(partitions);
          yield null;
        }
        case Operation.SeekToTimestamp(var partitions, var timestamp) ->
            c.seekToTimestamp(partitions, timestamp);
        case Operation.Position(var partition) -> c.position(partition);
        case Operation.Pause(var partitions) -> {
          c.pause(partitions);
          yield null;
        }
        case Operation.Resume(var partitions) -> {
          c.resume(partitions);
          yield null;
        }
        case Operation.Paused() -> c.paused();
        case Operation.EndOffsets(var partitions) -> c.endOffsets(partitions);
        case Operation.Lag() -> c.lag();
        case Operation.ListTopics() -> c.listTopics();
        case Operation.Close() -> {
          c.close();
          yield null;
        }
      };
    }

    @Override
    public void close() {
      consumer.close();
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private record ProducerClient(Producer<Message<String, String>, String, String> producer)
      implements Client {
    @Override
    public Sink<Object> control() {
      return (Sink) producer.control();
    }

    @Override
    public Source<Event<?>> output() {
      return (Source) producer.output();
    }

    @Override
    public Sink<Object> input() {
      return (Sink) producer.input();
    }

    @Override
    public Object call(Object operation) {
      Producer<?, ?, ?> p = producer;
      return switch ((ProducerOperation<?>) operation) {
        case Operation.PartitionsFor(String topic) -> p.partitionsFor(topic);
        case Operation.Flush() -> {
          p.flush();
          yield null;
        }
        case Operation.Metrics() -> p.metrics();
        case Operation.Close() -> {
          p.close();
          yield null;
        }
        case Operation.BeginTransaction() -> {
          p.beginTransaction();
          yield null;
        }
        case Operation.SendOffsetsToTransaction(var offsets, var metadata) -> {
          p.sendOffsetsToTransaction(offsets, metadata);
          yield null;
        }
        case Operation.CommitTransaction() -> {
          p.commitTransaction();
          yield null;
        }
        case Operation.AbortTransaction() -> {
          p.abortTransaction();
          yield null;
        }
      };
    }

    @Override
    public void close() {
      producer.close();
    }
  }

  /**
   * What user code of the test fails with: the (de)serializer on {@link LivenessScripts#POISON},
   * and a transducer's finisher. An Error, not an exception: the client's loop cannot go on.
   */
  static final class PoisonError extends Error {
    private static final long serialVersionUID = 1L;

    PoisonError() {
      super("the test's user code fails with an Error");
    }
  }

  private void prepare() {
    kafka.createTopic(target.topic(), 2);
    if (script.setup() instanceof ConsumerSetup setup) {
      List<Future<?>> writes = new ArrayList<>();
      for (int i = 0; i < setup.records(); i++) {
        writes.add(testData.send(new ProducerRecord<>(target.topic(), i % 2, "k" + i, "v" + i)));
      }
      testData.flush();
      writes.forEach(LivenessRun::awaitWrite);
    }
  }

  private static void awaitWrite(Future<?> write) {
    try {
      write.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the test could not write its records", e);
    }
  }

  private Client start() {
    return switch (script.setup()) {
      case ConsumerSetup setup -> {
        Deserializer<String> values =
            (topic, bytes) -> {
              String value = bytes == null ? null : new String(bytes, UTF_8);
              if (LivenessScripts.POISON.equals(value)) {
                throw new PoisonError();
              }
              return value;
            };
        var settings =
            ConsumerSettings.create(kafka.bootstrapServers(), group, Codecs.string(), values)
                .withKafka("client.id", clientId)
                .withKafka("auto.offset.reset", "earliest")
                .withKafka("enable.auto.commit", setup.autoCommit())
                .withKafka("allow.auto.create.topics", false)
                .withKafka("default.api.timeout.ms", KAFKA_TIMEOUT_MS)
                .withKafka("request.timeout.ms", KAFKA_TIMEOUT_MS)
                .withOutputBufferSize(setup.outputBufferSize())
                .withOutputPolicy(setup.policy().toArray(EventType[]::new))
                .withCloseTimeout(setup.closeTimeout());
        if (setup.subscribed()) {
          settings = settings.withTopics(target.topic());
        }
        if (setup.transducer() != LivenessScripts.Transducer.NONE) {
          settings = settings.withTransducer(transducer(setup.transducer()));
        }
        policy = settings.outputPolicy();
        yield new ConsumerClient(Consumer.create(settings));
      }
      case ProducerSetup setup -> {
        Serializer<String> values =
            (topic, value) -> {
              if (LivenessScripts.POISON.equals(value)) {
                throw new PoisonError();
              }
              return value == null ? null : value.getBytes(UTF_8);
            };
        var settings =
            ProducerSettings.create(kafka.bootstrapServers(), Codecs.string(), values)
                .withKafka("client.id", clientId)
                .withKafka("max.block.ms", KAFKA_TIMEOUT_MS)
                .withKafka("request.timeout.ms", KAFKA_TIMEOUT_MS)
                .withKafka("delivery.timeout.ms", 2 * KAFKA_TIMEOUT_MS)
                .withInputBufferSize(setup.inputBufferSize())
                .withOutputBufferSize(setup.outputBufferSize())
                .withMaxInFlight(setup.maxInFlight())
                .withOutputPolicy(setup.policy().toArray(EventType[]::new))
                .withCloseTimeout(setup.closeTimeout());
        if (setup.transducer() != LivenessScripts.Transducer.NONE) {
          settings = settings.withTransducer(transducer(setup.transducer()));
        }
        policy = settings.outputPolicy();
        yield new ProducerClient(Producer.create(settings));
      }
    };
  }

  /** A transducer that passes its elements on unchanged, and stops or fails as asked. */
  private static <T> Gatherer<T, ?, T> transducer(LivenessScripts.Transducer kind) {
    return switch (kind) {
      case NONE -> Transducers.map(element -> element);
      case TAKE_3 -> Transducers.take(3);
      case FINISHER_THROWS_ERROR ->
          Gatherer.<T, T>of(
              Gatherer.Integrator.ofGreedy(
                  (state, element, downstream) -> downstream.push(element)),
              (state, downstream) -> {
                throw new PoisonError();
              });
    };
  }

  private static Set<String> threadNames() {
    return ThreadDump.take().stream().map(ThreadDump.Entry::name).collect(Collectors.toSet());
  }

  /** The name of the new client's loop thread: its other threads are named after it. */
  private static String loopThread(Set<String> before) {
    List<String> started =
        threadNames().stream()
            .filter(name -> !before.contains(name) && LOOP_THREAD.matcher(name).matches())
            .toList();
    if (started.size() != 1) {
      throw new IllegalStateException("cannot tell the new client's loop thread: " + started);
    }
    return started.getFirst();
  }

  /** Whether a thread belongs to this try's client (Gregor's threads, and Kafka's). */
  private boolean isClientThread(String name) {
    return name.equals(loopThread)
        || name.startsWith(loopThread + "-")
        || name.endsWith("| " + clientId)
        || (group != null && name.endsWith("| " + group));
  }

  // ---------------------------------------------------------------- steps

  /** How a step ended: it returned, threw, or was still running when its bound passed. */
  private sealed interface Outcome {
    record Returned(Object value) implements Outcome {}

    record Threw(Throwable error) implements Outcome {}

    record Running(FutureTask<Object> task) implements Outcome {}
  }

  /** A step still waiting for a reader, and how to judge it once it ends. */
  private record Parked(String step, FutureTask<Object> task, Function<Outcome, String> judge) {}

  private static Outcome attempt(String name, Callable<Object> action, Duration bound) {
    FutureTask<Object> task = new FutureTask<>(action);
    Thread.ofVirtual().name("liveness-" + name).start(task);
    return outcome(task, bound);
  }

  private static Outcome outcome(FutureTask<Object> task, Duration bound) {
    try {
      return new Outcome.Returned(task.get(bound.toMillis(), TimeUnit.MILLISECONDS));
    } catch (ExecutionException e) {
      return new Outcome.Threw(e.getCause());
    } catch (TimeoutException e) {
      return new Outcome.Running(task);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running a step", e);
    }
  }

  /**
   * How long a call may take now: more for each operation or input queued before it, that is
   * accepted and not yet answered as far as the reader has seen.
   */
  private Duration bound() {
    Set<Object> answered = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Event<?> event : reader.events()) {
      switch (event) {
        case Event.Result<?>(Operation<?> operation, Object ignored) -> answered.add(operation);
        case Event.Error<?>(Failure failure) when failure.subject() != null ->
            answered.add(failure.subject());
        case Event.Data<?>(Sent<?, ?> sent) -> answered.add(sent.message());
        default -> {}
      }
    }
    long queued =
        Stream.concat(onControl.stream(), accepted.stream())
            .filter(item -> !answered.contains(item))
            .count();
    return CALL_BOUND.plus(PER_QUEUED.multipliedBy(queued));
  }

  /** The contract lets only a producer with nobody reading its output make callers wait. */
  private boolean mayWaitForReader() {
    return script.setup() instanceof ProducerSetup && script.reader() == Reader.ABSENT;
  }

  /** How long close() may take: the close timeout twice (commit, then close), plus a call's. */
  private Duration closeBound() {
    return script.setup().closeTimeout().multipliedBy(2).plus(bound());
  }

  /** Runs one step; false when it hung (and the run must stop). */
  private boolean perform(int number, Step action) {
    String step = number + ". " + action;
    long start = System.nanoTime();
    Object operation = action instanceof Step.Call(Spec spec) ? spec.make().apply(target) : null;
    boolean close = operation instanceof Operation.Close;
    boolean mayWait = mayWaitForReader() && !close; // close() needs no reader
    Duration bound = close ? closeBound() : mayWait ? PARK_AFTER : bound();
    if (close) {
      closeRequested(number, action);
    }
    return switch (action) {
      case Step.OnControl(Spec spec) -> {
        Object item = spec.make().apply(target);
        yield settle(
            step,
            start,
            bound,
            attempt("control", () -> client.control().sendOrClosed(item), bound),
            mayWait,
            outcome -> judgeSend(number, step, item, outcome, onControl));
      }
      case Step.Send(Spec spec) -> {
        Object item = spec.make().apply(target);
        yield settle(
            step,
            start,
            bound,
            attempt("input", () -> client.input().sendOrClosed(item), bound),
            mayWait,
            outcome -> judgeSend(number, step, item, outcome, accepted));
      }
      case Step.Call(Spec ignored) -> {
        called.add(operation);
        yield settle(
            step,
            start,
            bound,
            attempt("call", () -> client.call(operation), bound),
            mayWait,
            outcome -> judgeCall(step, operation, outcome));
      }
      case Step.ControlDone() -> {
        Outcome outcome = attempt("control-done", () -> client.control().doneOrClosed(), bound);
        if (script.setup() instanceof ProducerSetup && finishedIt(outcome)) {
          closeRequested(number, action);
        }
        yield settle(step, start, bound, outcome, mayWait, ended -> judgeDone(step, ended));
      }
      case Step.InputDone() -> {
        Outcome outcome = attempt("input-done", () -> client.input().doneOrClosed(), bound);
        if (finishedIt(outcome)) {
          closeRequested(number, action);
        }
        yield settle(step, start, bound, outcome, mayWait, ended -> judgeDone(step, ended));
      }
      case Step.OutputDone() -> {
        outputDone = true;
        yield settle(
            step,
            start,
            bound,
            attempt("output-done", () -> client.output().doneOrClosed(), bound),
            mayWait,
            outcome -> judgeDone(step, outcome));
      }
      case Step.Poison() -> {
        awaitWrite(
            testData.send(new ProducerRecord<>(target.topic(), 0, "k", LivenessScripts.POISON)));
        trace.add(step + ": written (" + millis(start) + " ms)");
        yield true;
      }
    };
  }

  /**
   * Whether finishing a channel was this step's doing, and so a request to close: not when the
   * channel was already finished (the client closing, or a producer whose transducer stopped).
   */
  private static boolean finishedIt(Outcome outcome) {
    return !(outcome instanceof Outcome.Returned(Object value) && value instanceof ChannelClosed)
        && !(outcome instanceof Outcome.Threw);
  }

  /**
   * Notes a request to close made at step {@code number} (a send that waited for a reader is judged
   * late, but ordered by its step).
   */
  private void closeRequested(int number, Object closer) {
    if (firstCloser == null || number < firstCloserStep) {
      firstCloser = closer;
      firstCloserStep = number;
    }
  }

  /** Records how a step ended; false when it hung where the contract allows no waiting. */
  private boolean settle(
      String step,
      long start,
      Duration bound,
      Outcome outcome,
      boolean mayWait,
      Function<Outcome, String> judge) {
    if (outcome instanceof Outcome.Running(FutureTask<Object> task)) {
      if (mayWait) {
        parked.add(new Parked(step, task, judge));
        trace.add(
            step
                + ": still waiting after "
                + bound.toSeconds()
                + " s, for room in the unread output (allowed); it must end once close() has"
                + " returned");
        return true;
      }
      violations.add(
          "step " + step + " neither returned nor threw within " + bound.toSeconds() + " s");
      trace.add(step + ": HUNG (still running after " + bound.toSeconds() + " s)");
      return false;
    }
    trace.add(step + ": " + judge.apply(outcome) + " (" + millis(start) + " ms)");
    return true;
  }

  private String judgeSend(
      int number, String step, Object item, Outcome outcome, List<Object> acceptedItems) {
    return switch (outcome) {
      case Outcome.Returned(ChannelClosed closed) -> "refused, " + name(closed);
      case Outcome.Returned(Object ignored) -> {
        acceptedItems.add(item);
        if (item instanceof Operation.Close) {
          closeRequested(number, item);
        }
        yield "accepted";
      }
      case Outcome.Threw(Throwable error) -> {
        violations.add("step " + step + " threw " + error + " (a closed channel returns a value)");
        yield "THREW " + error;
      }
      case Outcome.Running ignored -> throw new IllegalStateException("judged while running");
    };
  }

  private String judgeCall(String step, Object operation, Outcome outcome) {
    boolean close = operation instanceof Operation.Close;
    return switch (outcome) {
      case Outcome.Returned(Object value) -> "returned " + abbreviate(value);
      case Outcome.Threw(GregorException e) when !close ->
          "threw GregorException(" + e.failure().kind() + ": " + e.failure().message() + ")";
      case Outcome.Threw(Throwable error) -> {
        violations.add(
            "step "
                + step
                + " threw "
                + error
                + (close ? " (close() returns)" : " (direct calls throw only GregorException)"));
        yield "THREW " + error;
      }
      case Outcome.Running ignored -> throw new IllegalStateException("judged while running");
    };
  }

  private String judgeDone(String step, Outcome outcome) {
    return switch (outcome) {
      case Outcome.Returned(ChannelClosed closed) -> "already closed, " + name(closed);
      case Outcome.Returned(Object ignored) -> "done";
      case Outcome.Threw(Throwable error) -> {
        violations.add("step " + step + " threw " + error);
        yield "THREW " + error;
      }
      case Outcome.Running ignored -> throw new IllegalStateException("judged while running");
    };
  }

  /** The close() every script ends with, as try-with-resources would; false when it hung. */
  private boolean closeAtTheEnd() {
    long start = System.nanoTime();
    Duration bound = closeBound();
    closeRequested(script.steps().size() + 1, "close() at the end");
    Outcome outcome =
        attempt(
            "close",
            () -> {
              client.close();
              return null;
            },
            bound);
    String step = "close() at the end";
    switch (outcome) {
      case Outcome.Returned ignored -> {
        trace.add(step + ": returned (" + millis(start) + " ms)");
        return true;
      }
      case Outcome.Threw(Throwable error) -> {
        violations.add(step + " threw " + error);
        trace.add(step + ": THREW " + error);
        return true;
      }
      case Outcome.Running ignored -> {
        violations.add(
            step
                + " did not return within "
                + bound.toSeconds()
                + " s (twice the close timeout of "
                + script.setup().closeTimeout().toSeconds()
                + " s, plus the bound of a call)");
        trace.add(step + ": HUNG");
        return false;
      }
    }
  }

  /** Steps that waited for a reader must end once close() has returned. */
  private void awaitParked() {
    for (Parked waiting : parked) {
      Outcome outcome = outcome(waiting.task(), bound());
      if (outcome instanceof Outcome.Running) {
        violations.add(
            "step "
                + waiting.step()
                + " was still waiting "
                + bound().toSeconds()
                + " s after close() had returned");
        trace.add(waiting.step() + ": still waiting after close (HUNG)");
      } else {
        trace.add(waiting.step() + ": after close, " + waiting.judge().apply(outcome));
      }
    }
  }

  /** Once closed, every channel is done and a direct call fails at once. */
  private void probeAfterClose() {
    Duration bound = Duration.ofSeconds(5);
    Outcome control =
        attempt("probe", () -> client.control().sendOrClosed(new Operation.Metrics()), bound);
    if (!(control instanceof Outcome.Returned(ChannelClosed ignored))) {
      violations.add(
          "after close() returned, control().sendOrClosed(Metrics()) gave "
              + describe(control)
              + " instead of ChannelClosed: the control channel must be done");
    }
    if (client.input() != null) {
      Outcome input =
          attempt(
              "probe",
              () -> client.input().sendOrClosed(Message.of(target.topic(), "after close")),
              bound);
      if (!(input instanceof Outcome.Returned(ChannelClosed ignored))) {
        violations.add(
            "after close() returned, input().sendOrClosed(a message) gave "
                + describe(input)
                + " instead of ChannelClosed: the input channel must be done");
      }
    }
    Outcome call = attempt("probe", () -> client.call(new Operation.Metrics()), bound);
    if (!(call instanceof Outcome.Threw(GregorException ignored))) {
      violations.add(
          "after close() returned, the direct call metrics() gave "
              + describe(call)
              + " instead of throwing a GregorException (the client is closed)");
    }
  }

  // ---------------------------------------------------------------- the output

  /** Reads the output to its end, as a fast or a slow application would. */
  private final class OutputReader {
    private final List<Event<?>> events = Collections.synchronizedList(new ArrayList<>());
    private volatile Object end;
    private volatile Throwable crash;
    private Thread thread;

    void start(boolean slow) {
      thread = Thread.ofVirtual().name("liveness-reader").start(() -> read(slow));
    }

    private void read(boolean slow) {
      try {
        while (true) {
          Object next = client.output().receiveOrClosed();
          if (next instanceof ChannelClosed closed) {
            end = closed;
            return;
          }
          events.add((Event<?>) next);
          if (slow) {
            Thread.sleep(SLOW_READER_PAUSE);
          }
        }
      } catch (Throwable e) {
        crash = e;
      }
    }

    boolean awaitEnd(Duration bound) {
      try {
        return thread.join(bound);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    List<Event<?>> events() {
      synchronized (events) {
        return List.copyOf(events);
      }
    }
  }

  private void checkEvents() {
    List<Event<?>> events = reader.events();
    if (reader.crash != null) {
      violations.add("reading the output threw " + reader.crash);
    }
    for (Event<?> event : events) {
      if (!policy.contains(event.type())) {
        violations.add(describe(event) + " is outside the output policy " + policy);
      }
    }
    // EOF comes last, and then the output is done
    long eofs = events.stream().filter(event -> event instanceof Event.Eof<?>).count();
    boolean endsWithEof = !events.isEmpty() && events.getLast() instanceof Event.Eof<?>;
    if (!outputDone && (eofs != 1 || !endsWithEof)) {
      violations.add("the output must end with exactly one Eof; it had " + eofs + ", not last");
    } else if (outputDone && eofs > 0 && (eofs != 1 || !endsWithEof)) {
      violations.add("an Eof that is not the one last event (" + eofs + " in all)");
    }
    if (!(reader.end instanceof ChannelDone)) {
      violations.add(
          "after its events the output ended with " + name(reader.end) + ", not ChannelDone");
    }
    // the close result comes just before EOF (a loop that failed says so with a FATAL error)
    boolean fatal =
        events.stream()
            .anyMatch(
                event ->
                    event instanceof Event.Error<?>(Failure failure)
                        && failure.kind() == ErrorKind.FATAL);
    long closeResults = events.stream().filter(LivenessRun::isCloseResult).count();
    if (policy.contains(EventType.CONTROL) && !outputDone && !fatal) {
      if (closeResults != 1 || events.size() < 2 || !isCloseResult(events.get(events.size() - 2))) {
        violations.add(
            "the output must end with the close result, then Eof; it had "
                + closeResults
                + " close result(s)");
      }
    }
    checkAnswers(events);
    if (script.setup() instanceof ProducerSetup) {
      checkOutcomes(events);
    }
  }

  private static boolean isCloseResult(Event<?> event) {
    return event instanceof Event.Result<?>(Operation<?> operation, Object ignored)
        && operation instanceof Operation.Close;
  }

  /**
   * What events name, by identity: a result its operation, an error its subject, a producer's data
   * event its message. A FATAL error is kept apart: it names what the loop was doing when it
   * failed, which may have had its answer already (say, the last input sent before a close whose
   * transducer failed), so it counts as an answer only for what has no other.
   */
  private record Named(Map<Object, List<Event<?>>> answers, Map<Object, Event<?>> fatal) {
    static Named in(List<Event<?>> events, Predicate<Failure> notAnAnswer) {
      Map<Object, List<Event<?>>> answers = new IdentityHashMap<>();
      Map<Object, Event<?>> fatal = new IdentityHashMap<>();
      for (Event<?> event : events) {
        Object subject =
            switch (event) {
              case Event.Result<?>(Operation<?> operation, Object ignored) -> operation;
              case Event.Data<?>(Sent<?, ?> sent) -> sent.message();
              case Event.Error<?>(Failure failure) when failure.kind() == ErrorKind.FATAL -> {
                if (failure.subject() != null) {
                  fatal.put(failure.subject(), event);
                }
                yield null;
              }
              case Event.Error<?>(Failure failure) when !notAnAnswer.test(failure) ->
                  failure.subject();
              default -> null;
            };
        if (subject != null) {
          answers.computeIfAbsent(subject, key -> new ArrayList<>()).add(event);
        }
      }
      return new Named(answers, fatal);
    }

    List<Event<?>> of(Object subject) {
      List<Event<?>> named = answers.getOrDefault(subject, List.of());
      return named.isEmpty() && fatal.containsKey(subject) ? List.of(fatal.get(subject)) : named;
    }
  }

  /**
   * The kinds of error that answer an operation (or something else) sent on the control channel.
   */
  private static final Set<ErrorKind> ANSWERS =
      EnumSet.of(
          ErrorKind.INVALID_OPERATION, ErrorKind.NO_SUBSCRIPTION, ErrorKind.OPERATION_FAILED);

  /**
   * Whatever the control channel accepted is answered once, and every answer names what it answers;
   * direct calls never reach the output.
   */
  private void checkAnswers(List<Event<?>> events) {
    Named named = Named.in(events, failure -> false);
    boolean everyAnswerWanted =
        policy.contains(EventType.CONTROL) && policy.contains(EventType.ERROR) && !outputDone;
    for (Object item : onControl) {
      List<Event<?>> answered = named.of(item);
      if (answered.size() > 1) {
        violations.add(item + ", sent on the control channel, was answered " + describe(answered));
      } else if (answered.isEmpty() && everyAnswerWanted && item != firstCloser) {
        violations.add(
            item
                + " was accepted by the control channel but never answered"
                + (item instanceof Operation.Close
                    ? " (only the first request to close is answered by the close result alone)"
                    : ""));
      }
    }
    Set<Object> sent = Collections.newSetFromMap(new IdentityHashMap<>());
    sent.addAll(onControl);
    for (Event<?> event : events) {
      if (event instanceof Event.Error<?>(Failure failure)
          && ANSWERS.contains(failure.kind())
          && !sent.contains(failure.subject())) {
        violations.add(describe(event) + " answers nothing that was sent on the control channel");
      }
    }
    for (Object operation : called) {
      List<Event<?>> reached = named.answers().getOrDefault(operation, List.of());
      if (!reached.isEmpty()) {
        violations.add(operation + ", called directly, reached the output: " + describe(reached));
      }
    }
  }

  /**
   * Each input the producer accepted has one outcome: its Sent, or an error naming it. A
   * TRANSDUCER_STOPPED error names the input the transducer stopped at, which has its own outcome:
   * it is a notice, not an outcome.
   */
  private void checkOutcomes(List<Event<?>> events) {
    Named named = Named.in(events, failure -> failure.kind() == ErrorKind.TRANSDUCER_STOPPED);
    boolean everyOutcomeWanted =
        policy.contains(EventType.DATA) && policy.contains(EventType.ERROR) && !outputDone;
    for (Object input : accepted) {
      List<Event<?>> outcome = named.of(input);
      if (outcome.size() > 1) {
        violations.add("the accepted input " + input + " had " + describe(outcome));
      } else if (outcome.isEmpty() && everyOutcomeWanted) {
        violations.add("the accepted input " + input + " got no outcome (no Sent, no error)");
      }
    }
  }

  // ---------------------------------------------------------------- threads

  private void checkThreads() {
    try {
      await()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(200))
          .atMost(THREADS_BOUND)
          .until(() -> clientThreads().isEmpty());
    } catch (ConditionTimeoutException e) {
      violations.add(
          "threads of this client still alive "
              + THREADS_BOUND.toSeconds()
              + " s after close() returned and the output was read: "
              + clientThreads().stream().map(ThreadDump.Entry::name).toList());
    }
  }

  private List<ThreadDump.Entry> clientThreads() {
    return ThreadDump.matching(this::isClientThread);
  }

  // ---------------------------------------------------------------- the report

  private AssertionError report() {
    StringBuilder text = new StringBuilder("liveness violated:");
    violations.forEach(violation -> text.append(String.format("%n  - %s", violation)));
    text.append(String.format("%nscript: %s", script));
    text.append(
        String.format(
            "%nnames: topic %s, client.id %s, group %s, threads %s*",
            target.topic(), clientId, group, loopThread));
    text.append(String.format("%nwhat happened:"));
    trace.forEach(line -> text.append(String.format("%n    %s", line)));
    List<Event<?>> events = reader.events();
    text.append(String.format("%nevents read (%d): %s", events.size(), describe(events)));
    text.append(String.format("%nthreads of this client now:"));
    List<ThreadDump.Entry> threads = clientThreads();
    if (threads.isEmpty()) {
      text.append(" none");
    }
    threads.forEach(thread -> text.append(String.format("%n    %s", thread.describe(14))));
    return new AssertionError(text.toString());
  }

  private static String describe(List<Event<?>> events) {
    StringBuilder text = new StringBuilder();
    int data = 0;
    for (Event<?> event : events) {
      if (event instanceof Event.Data<?>) {
        data++;
        continue;
      }
      if (data > 0) {
        text.append(String.format("%n      Data x%d", data));
        data = 0;
      }
      text.append(String.format("%n      %s", describe(event)));
    }
    if (data > 0) {
      text.append(String.format("%n      Data x%d", data));
    }
    return text.toString();
  }

  private static String describe(Event<?> event) {
    return switch (event) {
      case Event.Data<?>(Object value) -> "Data(" + abbreviate(value) + ")";
      case Event.Result<?>(Operation<?> operation, Object value) ->
          "Result(" + operation + " -> " + abbreviate(value) + ")";
      case Event.Rebalance<?>(RebalanceKind kind, var partitions) ->
          "Rebalance(" + kind + " " + partitions + ")";
      case Event.Error<?>(Failure failure) ->
          "Error("
              + failure.kind()
              + ": "
              + abbreviate(failure.message())
              + "; subject "
              + abbreviate(failure.subject())
              + ")";
      case Event.Eof<?>() -> "Eof";
    };
  }

  private static String abbreviate(Object value) {
    String text = String.valueOf(value);
    return text.length() <= 100 ? text : text.substring(0, 97) + "...";
  }

  private static String describe(Outcome outcome) {
    return switch (outcome) {
      case Outcome.Returned(ChannelClosed closed) -> "returned " + name(closed);
      case Outcome.Returned(Object value) -> "returned " + abbreviate(value);
      case Outcome.Threw(Throwable error) -> "threw " + error;
      case Outcome.Running ignored -> "no answer in time";
    };
  }

  /** ChannelDone or ChannelError (with its reason), without jox's dump of the channel. */
  private static String name(Object closed) {
    return closed instanceof ChannelError(Throwable reason, var ignored)
        ? "ChannelError(" + reason + ")"
        : closed == null ? "nothing" : closed.getClass().getSimpleName();
  }

  private static long millis(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }
}
