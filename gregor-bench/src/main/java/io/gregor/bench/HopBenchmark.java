package io.gregor.bench;

import com.softwaremill.jox.Channel;
import io.gregor.Transducers;
import io.gregor.internal.Transducer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Gatherer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Per-record cost of the hops Gregor adds: a jox channel between two threads (what the output
 * channel costs), with an {@link ArrayBlockingQueue} as the baseline, and one transducer step.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HopBenchmark {
  static final int BATCH = 100_000;
  static final int CAPACITY = 1024;
  static final Object ITEM = new Object();
  static final Object STOP = new Object();

  /** A reader thread that takes from a queue and counts. */
  @State(Scope.Benchmark)
  public static class QueueHop {
    final ArrayBlockingQueue<Object> queue = new ArrayBlockingQueue<>(CAPACITY);
    final AtomicLong taken = new AtomicLong();
    Thread reader;

    @Setup(Level.Trial)
    public void start() {
      reader =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      while (queue.take() != STOP) {
                        taken.lazySet(taken.get() + 1);
                      }
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  });
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
      queue.put(STOP);
      reader.join();
    }
  }

  /** A reader thread that receives from a jox channel and counts. */
  @State(Scope.Benchmark)
  public static class ChannelHop {
    final Channel<Object> channel = Channel.newBufferedChannel(CAPACITY);
    final AtomicLong taken = new AtomicLong();
    Thread reader;

    @Setup(Level.Trial)
    public void start() {
      reader =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      while (channel.receive() != STOP) {
                        taken.lazySet(taken.get() + 1);
                      }
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  });
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
      channel.send(STOP);
      reader.join();
    }
  }

  /** A transducer runner over a map step, pushing into a black hole. */
  @State(Scope.Thread)
  public static class Step {
    Transducer<Integer, Integer> map;
    Transducer<Integer, Integer> mapFilter;

    @Setup(Level.Iteration)
    public void start(Blackhole hole) {
      Gatherer.Downstream<Integer> sink =
          element -> {
            hole.consume(element);
            return true;
          };
      map = Transducer.of(Transducers.<Integer, Integer>map(i -> i + 1), sink);
      mapFilter =
          Transducer.of(
              Transducers.<Integer, Integer>map(i -> i + 1)
                  .andThen(Transducers.<Integer>filter(i -> (i & 1) == 0)),
              sink);
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void arrayBlockingQueueHop(QueueHop hop) throws InterruptedException {
    long target = hop.taken.get() + BATCH;
    for (int i = 0; i < BATCH; i++) {
      hop.queue.put(ITEM);
    }
    while (hop.taken.get() < target) {
      Thread.onSpinWait();
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void joxChannelHop(ChannelHop hop) throws InterruptedException {
    long target = hop.taken.get() + BATCH;
    for (int i = 0; i < BATCH; i++) {
      hop.channel.send(ITEM);
    }
    while (hop.taken.get() < target) {
      Thread.onSpinWait();
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void transducerMapStep(Step step) {
    for (int i = 0; i < BATCH; i++) {
      step.map.integrate(i);
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void transducerMapFilterStep(Step step) {
    for (int i = 0; i < BATCH; i++) {
      step.mapFilter.integrate(i);
    }
  }
}
