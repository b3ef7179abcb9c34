package io.gregor.internal;

import java.util.function.BiConsumer;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;
import java.util.stream.Gatherer;

/**
 * A gatherer known to push every output of an element while integrating that element, with a
 * finisher that pushes nothing: it never holds an element back. The consumer then knows which
 * record each output comes from, and commits a record once its own outputs have been taken. For any
 * other gatherer it must assume records may be held (see {@link CommitTracker}).
 *
 * <p>{@link io.gregor.Transducers}' factories return these; composing two of them with {@link
 * #andThen} gives another.
 */
public record PerRecord<T, A, R>(Gatherer<T, A, R> gatherer) implements Gatherer<T, A, R> {

  @Override
  public Supplier<A> initializer() {
    return gatherer.initializer();
  }

  @Override
  public Integrator<A, T, R> integrator() {
    return gatherer.integrator();
  }

  @Override
  public BinaryOperator<A> combiner() {
    return gatherer.combiner();
  }

  @Override
  public BiConsumer<A, Downstream<? super R>> finisher() {
    return gatherer.finisher();
  }

  @Override
  public <RR> Gatherer<T, ?, RR> andThen(Gatherer<? super R, ?, ? extends RR> that) {
    Gatherer<T, ?, RR> composed = Gatherer.super.andThen(that);
    return that instanceof PerRecord<?, ?, ?> ? wrap(composed) : composed;
  }

  private static <T, A, R> PerRecord<T, A, R> wrap(Gatherer<T, A, R> gatherer) {
    return new PerRecord<>(gatherer);
  }

  /** Whether {@code gatherer} never holds an element back (null: no gatherer at all). */
  public static boolean holdsNothing(Gatherer<?, ?, ?> gatherer) {
    return gatherer == null || gatherer instanceof PerRecord<?, ?, ?>;
  }
}
