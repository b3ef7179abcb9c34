package io.gregor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Flow.Subscriber} for tests: requests nothing by itself, records what it gets, and waits
 * (bounded by {@link Outputs#PATIENCE}) for a count of items, completion or an error.
 */
final class RecordingSubscriber<T> implements Flow.Subscriber<T> {
  final List<T> items = new CopyOnWriteArrayList<>();
  final AtomicReference<Throwable> error = new AtomicReference<>();
  private final CountDownLatch subscribed = new CountDownLatch(1);
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile Flow.Subscription subscription;

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    subscribed.countDown();
  }

  @Override
  public void onNext(T item) {
    items.add(item);
  }

  @Override
  public void onError(Throwable throwable) {
    error.set(throwable);
    terminated.countDown();
  }

  @Override
  public void onComplete() {
    terminated.countDown();
  }

  Flow.Subscription subscription() throws InterruptedException {
    assertThat(subscribed.await(Outputs.PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
        .as("onSubscribe within %s", Outputs.PATIENCE)
        .isTrue();
    return subscription;
  }

  void request(long n) throws InterruptedException {
    subscription().request(n);
  }

  void cancel() throws InterruptedException {
    subscription().cancel();
  }

  /** Waits for onComplete or onError; returns the error, or null after onComplete. */
  Throwable awaitTermination() throws InterruptedException {
    assertThat(terminated.await(Outputs.PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
        .as("onComplete or onError within %s", Outputs.PATIENCE)
        .isTrue();
    return error.get();
  }
}
