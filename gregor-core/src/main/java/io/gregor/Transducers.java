package io.gregor;

import io.gregor.internal.PerRecord;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Gatherer;
import java.util.stream.Stream;

/**
 * Small factories for everyday transducers. A transducer is a {@link Gatherer}: compose them with
 * {@link Gatherer#andThen}, or pass any other Gatherer (the JDK's {@code Gatherers.windowFixed},
 * {@code fold}, {@code scan}, or your own).
 *
 * <p>These factories make <em>per-record</em> gatherers: each pushes a record's outputs while it
 * takes that record, and holds nothing back; composed with each other by {@code andThen} they stay
 * so. A consumer knows which record each of their outputs comes from, and commits a record once its
 * outputs have been taken. Any other gatherer may hold records back (a window, {@code
 * mapConcurrent}), so a consumer commits what it took only once the gatherer has finished (it
 * stopped early, or the consumer closed): see the guide's section on commits.
 *
 * <pre>{@code
 * Gatherer<Order, ?, Message<String, Order>> toMessages =
 *     Transducers.<Order>filter(o -> o.total() > 0)
 *         .andThen(Transducers.map(o -> Message.of("orders", o.id(), o)));
 * }</pre>
 */
public final class Transducers {
  private Transducers() {}

  /** Applies {@code f} to each element. */
  public static <T, R> Gatherer<T, ?, R> map(Function<? super T, ? extends R> f) {
    Objects.requireNonNull(f, "f");
    return new PerRecord<>(
        Gatherer.of(
            Gatherer.Integrator.ofGreedy(
                (state, element, downstream) -> downstream.push(f.apply(element)))));
  }

  /** Keeps the elements for which {@code p} holds. */
  public static <T> Gatherer<T, ?, T> filter(Predicate<? super T> p) {
    Objects.requireNonNull(p, "p");
    return new PerRecord<>(
        Gatherer.of(
            Gatherer.Integrator.ofGreedy(
                (state, element, downstream) -> !p.test(element) || downstream.push(element))));
  }

  /** Applies {@code f} and keeps the results that are not {@code null}. */
  public static <T, R> Gatherer<T, ?, R> keep(Function<? super T, ? extends R> f) {
    Objects.requireNonNull(f, "f");
    return new PerRecord<>(
        Gatherer.of(
            Gatherer.Integrator.ofGreedy(
                (state, element, downstream) -> {
                  R result = f.apply(element);
                  return result == null || downstream.push(result);
                })));
  }

  /** Replaces each element with the elements of the stream {@code f} returns. */
  public static <T, R> Gatherer<T, ?, R> flatMap(
      Function<? super T, ? extends Stream<? extends R>> f) {
    Objects.requireNonNull(f, "f");
    return new PerRecord<>(
        Gatherer.<T, R>of(
            (state, element, downstream) -> {
              try (Stream<? extends R> results = f.apply(element)) {
                if (results == null) {
                  return true;
                }
                return results.sequential().allMatch(downstream::push);
              }
            }));
  }

  /** Passes the first {@code n} elements, then stops. */
  public static <T> Gatherer<T, ?, T> take(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("take: n must be at least 0, was " + n);
    }
    return new PerRecord<>(
        Gatherer.<T, long[], T>ofSequential(
            () -> new long[] {0},
            (taken, element, downstream) -> {
              if (taken[0] >= n) {
                return false;
              }
              taken[0]++;
              return downstream.push(element) && taken[0] < n;
            }));
  }

  /** Drops an element equal to the one just before it. */
  public static <T> Gatherer<T, ?, T> dedupe() {
    Object none = new Object();
    return new PerRecord<>(
        Gatherer.<T, Object[], T>ofSequential(
            () -> new Object[] {none},
            (last, element, downstream) -> {
              if (last[0] != none && Objects.equals(last[0], element)) {
                return true;
              }
              last[0] = element;
              return downstream.push(element);
            }));
  }
}
