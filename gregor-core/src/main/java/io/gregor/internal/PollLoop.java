package io.gregor.internal;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.Source;
import io.gregor.ConsumerOperation;
import io.gregor.ConsumerSettings;
import io.gregor.ErrorKind;
import io.gregor.Event;
import io.gregor.Failure;
import io.gregor.Operation;
import io.gregor.RebalanceKind;
import io.gregor.Received;
import io.gregor.Topics;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's engine: one thread owns the {@link KafkaConsumer} and does everything with it (the
 * {@link LoopCore}); only {@code wakeup()} crosses threads, and only while the loop polls.
 *
 * <p>One iteration of the loop:
 *
 * <ol>
 *   <li>run the operations that arrived ({@link ConsumerOperations}); while the output is backed
 *       up, only those that make no event (direct calls, close) run, so that operations nobody
 *       reads the results of wait in the bounded control channel instead of piling up as events;
 *   <li>let records of the last poll still waiting go through the {@link RecordPipeline}, as far as
 *       the output has room;
 *   <li>pause or resume partitions for backpressure ({@link FlowControl});
 *   <li>poll, and hand the records to the pipeline, which deserializes them, runs the transducer
 *       and hands the events to the {@link Deliverer} (which puts on the output what it has room
 *       for, on this thread, without blocking; a reader making room wakes the loop);
 *   <li>commit what the reader has received ({@link CommitTracker}), when automatic commits are on
 *       and the interval has passed.
 * </ol>
 *
 * <p>Close (the operation, {@code close()}, or the user finishing the control channel) runs the
 * transducer's finisher, commits what was received, then closes the Kafka consumer, all within
 * {@code closeTimeout}; then the close result and EOF go out. A failure of the loop itself (an
 * {@link Error} from user code) emits a {@link ErrorKind#FATAL} error and closes the same way;
 * every pending and later call then fails with its cause.
 */
public final class PollLoop<K, V, T> {
  private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
  private static final AtomicInteger IDS = new AtomicInteger();
  private static final Duration IDLE_POLL = Duration.ofSeconds(1);
  private static final Duration BACKOFF = Duration.ofMillis(500);
  private static final int INTAKE_CAPACITY = 64;
  private static final Duration TOPIC_LOOKUP_TIMEOUT = Duration.ofMillis(500);

  private final ConsumerSettings<K, V, T> settings;
  private final LoopCore core;
  private final ChunkedOutput<Event<T>> output;

  /** Operations from the control channel, in order; bounded, so the control channel fills up. */
  private final LinkedBlockingDeque<Object> operations = new LinkedBlockingDeque<>(INTAKE_CAPACITY);

  /** Direct closes: they jump the queue, so close works however many operations wait. */
  private final ConcurrentLinkedQueue<Request<?>> closeRequests = new ConcurrentLinkedQueue<>();

  /** Whether the loop is in (or about to enter) poll: only then does a wakeup go to Kafka. */
  private final AtomicBoolean polling = new AtomicBoolean();

  /**
   * A reader made room since the loop last looked: set before the wake, so that a wake that arrives
   * while the loop is not polling is not lost (the loop checks it before it polls).
   */
  private final AtomicBoolean roomMade = new AtomicBoolean();

  private final KafkaConsumer<Object, Object> consumer;
  private final Deliverer<T> deliverer;
  private final CommitTracker tracker;
  private final FlowControl flow;
  private final RecordPipeline<K, V, T> pipeline;
  private final ConsumerOperations ops;
  private final boolean autoCommit;
  private final long autoCommitIntervalMs;
  private final boolean hasGroup;

  private long lastAutoCommit = System.currentTimeMillis();

  /** How many events the reader had taken at the last automatic commit. */
  private long takenAtLastAutoCommit;

  private final RepeatedFailures pollFailures = new RepeatedFailures();

  private final MissingTopics missingTopics = new MissingTopics();

  /** Whether the last poll was cut short by a wakeup: then the next one does not wait. */
  private boolean lastPollWoken;

  private final UnreadErrors unreadErrors = new UnreadErrors();

  /** With commits after acknowledgement: the records waiting for it; otherwise null. */
  private final Acknowledger acknowledger;

  /** When the loop last looked for records overdue for acknowledgement (monotonic millis). */
  private long lastOverdueCheck;

  /** How long the loop waits for the cluster's topics when it checks for missing ones. */
  private final Duration topicLookupTimeout;

  private boolean closed;

  /** Whether the loop is closing, and by when it must be done (revocation commits use it). */
  private boolean closing;

  private long closeDeadline;

  /** Starts a consumer; the settings must have been validated. */
  public PollLoop(ConsumerSettings<K, V, T> settings) {
    this.settings = settings;
    int id = IDS.incrementAndGet();
    Map<String, Object> kafka = new HashMap<>(settings.kafka());
    this.autoCommit =
        Boolean.parseBoolean(setting(kafka, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "true"));
    this.autoCommitIntervalMs =
        Long.parseLong(setting(kafka, ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, "5000"));
    Duration apiTimeout =
        Duration.ofMillis(
            Long.parseLong(setting(kafka, ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000")));
    this.topicLookupTimeout = min(apiTimeout, TOPIC_LOOKUP_TIMEOUT);
    int maxPollRecords =
        Integer.parseInt(setting(kafka, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500"));
    this.hasGroup = kafka.get(ConsumerConfig.GROUP_ID_CONFIG) != null;
    long limit = Math.max(settings.outputBufferSize(), maxPollRecords);
    this.output = new ChunkedOutput<>(settings.outputBufferSize(), this::roomMade, unreadErrors);
    this.deliverer = new Deliverer<>(output, settings.outputBufferSize(), unreadErrors);
    this.tracker = new CommitTracker(!PerRecord.holdsNothing(settings.transducer()));
    if (!PerRecord.holdsNothing(settings.transducer()) && autoCommit && hasGroup) {
      log.info(
          "the consumer's transducer is not one of Gregor's per-record transducers: records it"
              + " takes are committed only once it has finished (when it stops early, or at"
              + " close)");
    }
    // Before the Kafka consumer: the transducer's initializer may throw, and nothing leaks then.
    this.pipeline = new RecordPipeline<>(settings, deliverer, tracker, limit);
    if (settings.acknowledgements() != null) {
      this.acknowledger =
          new Acknowledger(
              settings.acknowledgements(),
              new DeadLetters(
                  settings.acknowledgements().retries().deadLetterTopic(), settings.kafka()),
              new AcknowledgerLoop());
      tracker.acknowledgeWith(acknowledger);
      pipeline.acknowledgeWith(acknowledger);
    } else {
      this.acknowledger = null;
    }
    // Gregor commits itself, and only what the reader has received.
    kafka.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // Keys and values as Kafka read them, not copied: the codecs deserialize from there; unless
    // the codec only copies them, which Kafka does as it reads.
    kafka.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, pipeline.polledKeys.kafkaDeserializer);
    kafka.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, pipeline.polledValues.kafkaDeserializer);
    this.consumer = new KafkaConsumer<>(kafka);
    this.flow = new FlowControl(consumer, limit);
    this.ops =
        new ConsumerOperations(
            consumer,
            tracker,
            flow,
            pipeline,
            new RebalanceListener(),
            output::received,
            hasGroup,
            autoCommit,
            apiTimeout);
    String name = "gregor-consumer-" + id;
    Map<String, String> context = new HashMap<>();
    context.put("gregor.client", String.valueOf(kafka.getOrDefault("client.id", name)));
    if (hasGroup) {
      context.put("gregor.group", String.valueOf(kafka.get(ConsumerConfig.GROUP_ID_CONFIG)));
    }
    this.core = new LoopCore("consumer", name, INTAKE_CAPACITY, context, this::run);
    core.start(this::takeOperation);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static String setting(Map<String, Object> kafka, String name, String otherwise) {
    return String.valueOf(kafka.getOrDefault(name, otherwise)).trim();
  }

  public Source<Event<T>> output() {
    return output;
  }

  public <O> Channel<O> control() {
    return core.control();
  }

  /** Runs an operation through the loop and returns its result. */
  public <R> R call(ConsumerOperation<R> operation) {
    return core.call(operation, this::closeDirectly);
  }

  /** Paused partitions, commit lag and unacknowledged records, as of the loop's last look. */
  private volatile int pausedCount;

  private volatile long commitLag;
  private volatile long unacknowledged;
  private long lastStatistics;

  /** What the consumer has done so far (any thread). */
  public io.gregor.Statistics statistics() {
    return new io.gregor.Statistics(
        pipeline.counts.made(),
        output.received(),
        pausedCount,
        commitLag,
        0,
        unacknowledged,
        pipeline.counts.errors());
  }

  /** Takes note, at most every 100 ms, of what only the loop's thread can see. */
  private void noteStatistics() {
    long now = nowMillis();
    if (now - lastStatistics < 100) {
      return;
    }
    lastStatistics = now;
    pausedCount = consumer.paused().size();
    commitLag = tracker.lag();
    unacknowledged = acknowledger == null ? 0 : acknowledger.count();
  }

  /** Whether the consumer commits after acknowledgement. */
  public boolean acknowledges() {
    return acknowledger != null;
  }

  /** The application has processed {@code record} (any thread; never blocks). */
  public void acknowledge(Received<?, ?> record) {
    acknowledger.acknowledge(record);
  }

  /** Processing {@code record} failed: the retry policy takes it (any thread; never blocks). */
  public void reject(Received<?, ?> record, Throwable cause) {
    acknowledger.reject(record, cause);
  }

  /** Whether {@code record} still waits for its acknowledgement (any thread). */
  public boolean isWaiting(Received<?, ?> record) {
    return acknowledger.isWaiting(record);
  }

  /** Processing {@code record} failed {@code attempts} times: the policy's last step takes it. */
  public void gaveUp(Received<?, ?> record, Throwable cause, int attempts) {
    acknowledger.gaveUp(record, cause, attempts);
  }

  /** Error events on their way to the output that no reader has taken. */
  public UnreadErrors unreadErrors() {
    return unreadErrors;
  }

  /** Waits until the loop has finished (after close). */
  public void awaitTermination() {
    core.awaitTermination();
  }

  // ---------------------------------------------------------------- waking the loop

  /** The forwarder hands an operation over: waits while the intake is full. */
  private void takeOperation(Object operation) throws InterruptedException {
    operations.putLast(operation);
    wake();
  }

  private void closeDirectly(Request<?> close) {
    closeRequests.add(close);
    wake();
  }

  /** A reader made room in the output: what waits can go on. */
  private void roomMade() {
    roomMade.set(true);
    wake();
  }

  private void wake() {
    core.unpark();
    if (polling.get()) {
      consumer.wakeup();
    }
  }

  /** Waits, without polling, until something may have arrived or the timeout passes. */
  private void idle(Duration timeout) {
    if (!hasWork()) {
      LockSupport.parkNanos(timeout.toNanos());
    }
  }

  // ---------------------------------------------------------------- the loop

  private void run() {
    try {
      if (settings.topics() != null) {
        ops.subscribe(settings.topics());
        watchTopics(new Operation.Subscribe(settings.topics()));
      }
      while (!closed) {
        runOnce();
      }
    } catch (RuntimeException | Error e) {
      core.failed(e);
      log.error("consumer loop failed; closing", e);
      pipeline.emit(
          new Event.Error<>(
              new Failure(ErrorKind.FATAL, "the consumer loop failed: " + e, e, null)));
      closing = true; // Kafka's close revokes: no waiting for acknowledgements then
      closeDeadline = deadline();
      closeNow(null, closeDeadline);
    }
  }

  private void runOnce() {
    if (Thread.interrupted()) {
      interrupted();
    }
    runOperations();
    if (closed) {
      return;
    }
    applyAcknowledgements();
    pipeline.resume(); // records of the last poll still waiting, as far as there is room
    if (deliverer.abandoned() || pipeline.stopped()) {
      flow.stop();
    } else {
      flow.update(
          deliverer.queued(),
          pipeline.recordsPending() || acknowledger != null && acknowledger.full());
    }
    checkMissingTopics();
    ConsumerRecords<Object, Object> records = poll();
    if (closed) {
      return; // an operation run while waiting closed
    }
    if (records != null) {
      pipeline.accept(records);
    }
    pipeline.flush();
    // Events or records waiting for room go on as soon as there is some. Records held back by
    // the bound on unacknowledged records wait for acknowledgements instead, which wake the loop
    // when enough have come: asking the output then would wake it at once, and spin it.
    deliverer.notifyWhenLow(
        pipeline.recordsPending() && !(acknowledger != null && acknowledger.full()));
    tracker.collect(output.received()); // keeps the markers to the events not yet received
    autoCommitIfDue();
    noteStatistics();
  }

  /**
   * Polls Kafka, woken early when work arrives; but right after a poll that was woken comes one
   * that does not wait ({@code poll(0)}) and that nothing wakes. Kafka's classic consumer needs it:
   * after a failed coordinator lookup it waits for a metadata update before it forgets the failure,
   * and a wakeup ending that wait every time (operations arriving every few tens of milliseconds)
   * kept the consumer out of its group for good; a wait that merely runs out of time lets it
   * forget, and ask again on the next poll. Such a poll costs operations no waiting.
   */
  private ConsumerRecords<Object, Object> poll() {
    if (!ops.hasPartitionsToPoll()) {
      idle(untilRedelivery(IDLE_POLL));
      return null;
    }
    boolean undisturbed = lastPollWoken;
    lastPollWoken = false;
    RuntimeException failure;
    polling.set(!undisturbed);
    try {
      if (!undisturbed && hasWork()) {
        return null; // it arrived just now: see to it first
      }
      return consumer.poll(undisturbed ? Duration.ZERO : pollTimeout());
    } catch (WakeupException e) {
      lastPollWoken = true;
      return null;
    } catch (KafkaException | IllegalStateException e) {
      failure = e;
    } finally {
      polling.set(false);
    }
    switch (failure) {
      case InterruptException _ -> interrupted();
      case AuthorizationException e -> pollFailed(ErrorKind.AUTHORIZATION, e);
      case AuthenticationException e -> pollFailed(ErrorKind.AUTHENTICATION, e);
      default -> pollFailed(ErrorKind.POLL_FAILED, failure);
    }
    return null;
  }

  /**
   * Whether something waits for the loop: an operation it would run now, or room a reader made
   * (which it takes note of).
   */
  private boolean hasWork() {
    return hasRunnableOperation()
        || roomMade.getAndSet(false)
        || acknowledger != null && acknowledger.hasSignals();
  }

  /**
   * Kafka calls our rebalance listener inside poll: a wake then must not cut the listener's commit
   * short, so wakes are held back while it runs, and given to Kafka afterwards if work came.
   */
  private boolean pauseWakes() {
    return polling.getAndSet(false);
  }

  private void resumeWakes(boolean wasPolling) {
    if (wasPolling) {
      polling.set(true);
      if (hasRunnableOperation() || roomMade.get()) {
        consumer.wakeup();
      }
    }
  }

  private Duration pollTimeout() {
    Duration timeout = untilRedelivery(IDLE_POLL);
    if (!autoCommit
        || !hasGroup
        || output.received() == takenAtLastAutoCommit && acknowledger == null) {
      return timeout; // no commits, or nothing received to commit: no reason to wake early
    }
    long untilCommit = lastAutoCommit + autoCommitIntervalMs - System.currentTimeMillis();
    return min(timeout, Duration.ofMillis(Math.clamp(untilCommit, 0, IDLE_POLL.toMillis())));
  }

  /** {@code timeout}, or less when a rejected record is due for redelivery sooner. */
  private Duration untilRedelivery(Duration timeout) {
    long nanos = acknowledger == null ? -1 : acknowledger.nanosToNextRedelivery();
    return nanos < 0 ? timeout : min(timeout, Duration.ofNanos(nanos));
  }

  /** Code on this thread (a transducer, a deserializer) interrupted it: say so and go on. */
  private void interrupted() {
    Thread.interrupted();
    pipeline.emit(
        new Event.Error<>(
            new Failure(
                ErrorKind.POLL_FAILED,
                "the consumer's thread was interrupted (by a transducer or deserializer?); the"
                    + " interrupt is cleared and the consumer goes on",
                null,
                null)));
    pipeline.flush();
  }

  /**
   * Reports a failed poll, and waits a little before the next (operations still run at once). A
   * failure like the last one is counted instead of reported again while the reader has not taken
   * the last report, so that a failure that repeats adds no events while nobody reads.
   */
  private void pollFailed(ErrorKind kind, RuntimeException e) {
    String message = KafkaFailures.message(e);
    String repeats = pollFailures.report(kind + ": " + message, output.received());
    if (repeats != null) {
      pipeline.emit(
          new Event.Error<>(new Failure(kind, "poll failed: " + message + repeats, e, null)));
      pipeline.flush();
      pollFailures.reported(pipeline.lastSequence());
    }
    idle(BACKOFF);
  }

  // ---------------------------------------------------------------- operations

  /** Whether an operation is waiting that the loop would run now. */
  private boolean hasRunnableOperation() {
    return !closeRequests.isEmpty() || nextRunnable() != null;
  }

  /**
   * The operation to run next: the first in line, or, while the output is backed up, the first that
   * makes no event (a direct call, or close), which thus overtakes channel operations that wait for
   * the reader; null when none may run now.
   */
  private Object nextRunnable() {
    Object first = operations.peekFirst();
    if (first == null || makesNoEvent(first) || !outputBackedUp()) {
      return first;
    }
    for (Object next : operations) {
      if (makesNoEvent(next)) {
        return next;
      }
    }
    return null;
  }

  /** Operations that run even while the output is backed up: they add no events, or end it. */
  private static boolean makesNoEvent(Object operation) {
    return operation instanceof Request<?>
        || operation == LoopCore.CONTROL_FINISHED
        || operation instanceof Operation.Close;
  }

  private boolean outputBackedUp() {
    return deliverer.queued() >= flow.limit() && !deliverer.abandoned();
  }

  /**
   * Runs what waits, at most one intake's worth per iteration, so that a steady stream of
   * operations cannot keep the loop from polling (and the consumer in its group).
   */
  private void runOperations() {
    for (int run = 0; run < INTAKE_CAPACITY && !closed; run++) {
      Request<?> close = closeRequests.poll();
      if (close != null) {
        close(close);
        return;
      }
      Object next = nextRunnable();
      if (next == null || !operations.removeFirstOccurrence(next)) {
        return;
      }
      runOperation(next);
      pipeline.flush(); // results go out now, not after the next poll
    }
  }

  private void runOperation(Object next) {
    switch (next) {
      case Object o when o == LoopCore.CONTROL_FINISHED -> {
        log.debug("the control channel was finished; closing the consumer");
        close(null);
      }
      case Request<?> request -> execute(request.operation(), request);
      case ConsumerOperation<?> operation -> execute(operation, null);
      default ->
          reply(
              null,
              new Failure(
                  ErrorKind.INVALID_OPERATION, "not a consumer operation: " + next, null, next));
    }
  }

  private void execute(Operation<?> operation, Request<?> request) {
    if (operation instanceof Operation.Close) {
      close(request);
      return;
    }
    Object result;
    try {
      result = ops.perform(operation);
    } catch (ConsumerOperations.Refused e) {
      reply(request, e.failure());
      return;
    } catch (RuntimeException e) {
      reply(
          request,
          new Failure(
              ConsumerOperations.kindOf(e),
              operation + " failed: " + KafkaFailures.message(e),
              e,
              operation));
      return;
    }
    watchTopics(operation);
    if (request != null) {
      request.complete(result);
    } else {
      pipeline.emit(new Event.Result<>(operation, result));
    }
  }

  // ---------------------------------------------------------------- missing topics

  /**
   * After an operation that changed what the consumer reads: check that it exists; partitions it
   * assigned wait while fetching is held.
   */
  private void watchTopics(Operation<?> done) {
    switch (done) {
      case Operation.Subscribe(Topics.Names(var names)) ->
          missingTopics.subscribed(names, nowMillis());
      case Operation.Subscribe _, Operation.Unsubscribe _ -> missingTopics.clear();
      case Operation.Assign(var partitions) -> {
        missingTopics.assigned(partitions, nowMillis());
        flow.assigned(partitions);
      }
      default -> {}
    }
  }

  private void checkMissingTopics() {
    if (!closeRequests.isEmpty() || !missingTopics.due(nowMillis())) {
      return;
    }
    var notices = missingTopics.check(new TopicLookup(), nowMillis());
    for (Failure notice : notices) {
      log.warn("{}", notice.message());
      pipeline.emit(new Event.Error<>(notice));
    }
    pipeline.flush();
  }

  /** Milliseconds on a clock that never jumps (for intervals only). */
  private static long nowMillis() {
    return System.nanoTime() / 1_000_000;
  }

  /** The cluster's topics, as this consumer may see them; each call bounded. */
  private final class TopicLookup implements MissingTopics.Lookup {
    @Override
    public Map<String, Integer> partitionCounts() {
      Map<String, Integer> counts = new HashMap<>();
      consumer
          .listTopics(topicLookupTimeout)
          .forEach((topic, partitions) -> counts.put(topic, partitions.size()));
      return counts;
    }

    @Override
    public int partitionCount(String topic) {
      return consumer.partitionsFor(topic, topicLookupTimeout).size();
    }
  }

  private void reply(Request<?> request, Failure failure) {
    if (request != null) {
      request.reply().completeExceptionally(new io.gregor.GregorException(failure));
    } else {
      pipeline.emit(new Event.Error<>(failure));
    }
  }

  // ---------------------------------------------------------------- commits

  private void autoCommitIfDue() {
    if (!autoCommit || !hasGroup) {
      return;
    }
    long now = System.currentTimeMillis();
    boolean acknowledgedEnough = acknowledger != null && acknowledger.commitDue();
    if (now - lastAutoCommit < autoCommitIntervalMs && !acknowledgedEnough) {
      return;
    }
    lastAutoCommit = now;
    takenAtLastAutoCommit = output.received();
    if (acknowledger != null) {
      acknowledger.committed();
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = ops.uncommitted();
    if (offsets.isEmpty()) {
      return;
    }
    try {
      consumer.commitAsync(
          offsets,
          (committed, exception) -> {
            if (exception == null) {
              tracker.committed(committed);
            } else {
              commitFailed("automatic commit failed: ", exception);
            }
          });
    } catch (RuntimeException e) {
      commitFailed("automatic commit failed: ", e); // e.g. a fenced static member
    }
  }

  private void commitFailed(String what, Exception e) {
    pipeline.emit(
        new Event.Error<>(new Failure(ErrorKind.COMMIT_FAILED, what + e.getMessage(), e, null)));
  }

  private final class RebalanceListener implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      Set<TopicPartition> revoked = new HashSet<>(partitions);
      boolean wasPolling = pauseWakes();
      try {
        if (waitsForAcknowledgements() && !closing) { // close has waited already
          awaitAcknowledgements(revoked, settings.acknowledgements().revokeWait());
        }
        ops.commitReceived(revoked, closing ? left(closeDeadline) : settings.closeTimeout());
      } catch (RuntimeException e) {
        commitFailed("commit of received offsets failed: ", e);
      } finally {
        resumeWakes(wasPolling);
      }
      ops.gone(revoked);
      pipeline.emit(new Event.Rebalance<>(RebalanceKind.REVOKED, Set.copyOf(partitions)));
      pipeline.flush();
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      flow.assigned(partitions);
      pipeline.emit(new Event.Rebalance<>(RebalanceKind.ASSIGNED, Set.copyOf(partitions)));
      pipeline.flush(); // now, not when the poll returns (up to its timeout later)
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      ops.gone(new HashSet<>(partitions));
      pipeline.emit(new Event.Rebalance<>(RebalanceKind.LOST, Set.copyOf(partitions)));
      pipeline.flush();
    }
  }

  // ---------------------------------------------------------------- acknowledgements

  /** Whether revocation and close wait for acknowledgements: only when Gregor commits then. */
  private boolean waitsForAcknowledgements() {
    return acknowledger != null && autoCommit && hasGroup;
  }

  /** Applies acknowledgements and rejections, and reports records overdue (once a second). */
  private void applyAcknowledgements() {
    if (acknowledger == null) {
      return;
    }
    acknowledger.apply();
    long now = nowMillis();
    if (now - lastOverdueCheck >= 1000) {
      lastOverdueCheck = now;
      for (Failure overdue : acknowledger.overdue()) {
        log.warn("{}", overdue.message());
        pipeline.emit(new Event.Error<>(overdue));
      }
    }
    pipeline.flush();
  }

  /**
   * Waits, up to {@code timeout}, until no record of {@code partitions} that the reader has taken
   * still waits for its acknowledgement; events keep going to the reader meanwhile. Records the
   * reader has not taken are not waited for: they are delivered but not committed.
   */
  private void awaitAcknowledgements(Set<TopicPartition> partitions, Duration timeout) {
    long until = System.nanoTime() + timeout.toNanos();
    acknowledger.awaited(true);
    try {
      while (true) {
        acknowledger.apply();
        pipeline.flush();
        deliverer.queued(); // what now fits goes to the reader
        if (!acknowledger.takenWaiting(partitions, output.received())) {
          return;
        }
        long left = until - System.nanoTime();
        if (left <= 0) {
          log.info(
              "records of {} were still unacknowledged after {}: commits stop before them",
              partitions,
              timeout);
          return;
        }
        if (acknowledger.hasSignals()) {
          continue; // the acknowledger woke the loop (it may be the loop itself): apply them now
        }
        LockSupport.parkNanos(Math.min(left, Duration.ofMillis(50).toNanos()));
      }
    } finally {
      acknowledger.awaited(false);
    }
  }

  /** What the acknowledger needs of the loop; called on the loop's thread except {@code wake}. */
  private final class AcknowledgerLoop implements Acknowledger.Loop {
    @Override
    public void emitError(Failure failure) {
      pipeline.emit(new Event.Error<>(failure));
    }

    @Override
    @SuppressWarnings("unchecked")
    public void redeliver(Acknowledger.Entry entry) {
      pipeline.emit(new Event.Data<>((T) entry.record));
      entry.sequence = pipeline.lastSequence();
    }

    @Override
    public void wake() {
      PollLoop.this.wake();
    }
  }

  // ---------------------------------------------------------------- close

  private long deadline() {
    return System.nanoTime() + settings.closeTimeout().toNanos();
  }

  private static Duration left(long deadline) {
    return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
  }

  private void close(Request<?> request) {
    long deadline = deadline();
    closing = true;
    closeDeadline = deadline;
    pipeline.finish();
    pipeline.flush();
    if (waitsForAcknowledgements()) {
      // Fetching has stopped (the loop polls no more). The work in flight gets the revocation's
      // wait, at most half the close timeout: the rest is for the commit and leaving the group.
      awaitAcknowledgements(
          consumer.assignment(),
          min(settings.acknowledgements().revokeWait(), settings.closeTimeout().dividedBy(2)));
    }
    try {
      ops.commitReceived(consumer.assignment(), left(deadline));
    } catch (RuntimeException e) {
      log.warn("commit on close failed", e);
      commitFailed("commit on close failed: ", e);
    }
    closeNow(request, deadline);
  }

  private void closeNow(Request<?> request, long deadline) {
    closed = true;
    core.finishIntake(this::refuseWaiting);
    try {
      consumer.close(CloseOptions.timeout(left(deadline)));
    } catch (RuntimeException e) {
      log.warn("closing the Kafka consumer failed", e);
      pipeline.emit(
          new Event.Error<>(
              new Failure(ErrorKind.FATAL, "closing the Kafka consumer failed: " + e, e, null)));
    }
    if (acknowledger != null) {
      acknowledger.close(left(deadline));
    }
    if (request != null) {
      request.complete(null);
    }
    for (Request<?> late = closeRequests.poll(); late != null; late = closeRequests.poll()) {
      late.complete(null);
    }
    pipeline.emit(new Event.Result<>(new Operation.Close(), null));
    pipeline.emit(new Event.Eof<>());
    pipeline.flush();
    deliverer.finish(core.name() + "-finisher");
  }

  /** Operations that arrived after close get an error, never silence. */
  private void refuseWaiting() {
    for (Object next = operations.pollFirst(); next != null; next = operations.pollFirst()) {
      core.refuse(next, failure -> pipeline.emit(new Event.Error<>(failure)));
    }
  }
}
