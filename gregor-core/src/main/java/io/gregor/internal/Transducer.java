package io.gregor.internal;

import java.util.function.BiConsumer;
import java.util.stream.Gatherer;

/**
 * Runs a {@link Gatherer} one element at a time, the way a stream would, but driven by a loop: the
 * state is created once, {@link #integrate} is called per input and {@link #finish} once at the
 * end. Not thread-safe: the owning loop calls it.
 *
 * @param <T> input type
 * @param <R> output type
 */
public final class Transducer<T, R> {
  private final Runner<T, ?, R> runner;
  private boolean stopped;
  private boolean finished;

  private Transducer(Runner<T, ?, R> runner) {
    this.runner = runner;
  }

  /** A runner for {@code gatherer} that pushes its outputs to {@code downstream}. */
  public static <T, A, R> Transducer<T, R> start(
      Gatherer<? super T, A, R> gatherer, Gatherer.Downstream<? super R> downstream) {
    return new Transducer<>(new Runner<>(gatherer, downstream));
  }

  /** Starts a runner for a gatherer whose state type is unknown to the caller. */
  @SuppressWarnings("unchecked")
  public static <T, R> Transducer<T, R> of(
      Gatherer<? super T, ?, R> gatherer, Gatherer.Downstream<? super R> downstream) {
    return start((Gatherer<? super T, Object, R>) gatherer, downstream);
  }

  /**
   * Feeds one input. Exceptions from the gatherer propagate to the caller, and the transducer goes
   * on with its current state.
   *
   * @return false once the gatherer no longer wants input
   */
  public boolean integrate(T element) {
    if (stopped) {
      return false;
    }
    if (!runner.integrate(element)) {
      stopped = true;
    }
    return !stopped;
  }

  /** Whether the gatherer has stopped taking input. */
  public boolean stopped() {
    return stopped;
  }

  /** Runs the finisher once (later calls do nothing). */
  public void finish() {
    if (!finished) {
      finished = true;
      stopped = true;
      runner.finish();
    }
  }

  private static final class Runner<T, A, R> {
    private final Gatherer.Integrator<A, ? super T, R> integrator;
    private final BiConsumer<A, Gatherer.Downstream<? super R>> finisher;
    private final Gatherer.Downstream<? super R> downstream;
    private final A state;

    Runner(Gatherer<? super T, A, R> gatherer, Gatherer.Downstream<? super R> downstream) {
      this.integrator = gatherer.integrator();
      this.finisher = gatherer.finisher();
      this.downstream = downstream;
      this.state = gatherer.initializer().get();
    }

    boolean integrate(T element) {
      return integrator.integrate(state, element, downstream);
    }

    void finish() {
      finisher.accept(state, downstream);
    }
  }
}
