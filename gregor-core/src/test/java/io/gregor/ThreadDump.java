package io.gregor;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * The live threads of this JVM, virtual threads included: Gregor's loops are virtual threads, which
 * {@link Thread#getAllStackTraces()} does not list. The JDK's root thread container lists every
 * thread it tracks, which by default ({@code jdk.trackAllThreads}) is all of them.
 */
final class ThreadDump {
  private ThreadDump() {}

  /** A thread at the time of the dump, with its stack (innermost frame first). */
  record Entry(String name, String state, List<String> stack) {
    /** The name, state and up to {@code frames} frames, for a failure message. */
    String describe(int frames) {
      StringBuilder text = new StringBuilder(name).append(" (").append(state).append(")");
      stack.stream()
          .limit(frames)
          .forEach(frame -> text.append(String.format("%n          at %s", frame)));
      if (stack.size() > frames) {
        text.append(String.format("%n          ... %d more", stack.size() - frames));
      }
      return text.toString();
    }
  }

  /** Every live thread (without stacks). */
  static List<Entry> take() {
    return liveThreads().map(thread -> entry(thread, List.of())).toList();
  }

  /** The live threads whose names match, with their stacks. */
  static List<Entry> matching(Predicate<String> name) {
    return liveThreads()
        .filter(thread -> name.test(thread.getName()))
        .map(thread -> entry(thread, stackOf(thread)))
        .toList();
  }

  private static Entry entry(Thread thread, List<String> stack) {
    return new Entry(thread.getName(), thread.getState().toString(), stack);
  }

  private static List<String> stackOf(Thread thread) {
    return Arrays.stream(thread.getStackTrace()).map(StackTraceElement::toString).toList();
  }

  /**
   * The threads the JDK tracks, virtual ones included, from its root thread container. Not
   * HotSpotDiagnosticMXBean.dumpThreads: on JDK 25.0.3 that can crash the JVM when a virtual thread
   * mounts or unmounts during the dump (JDK-8364343; it did once in about 4,000 liveness tries
   * here). Needs {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED} (the build's test
   * argLine).
   */
  @SuppressWarnings("unchecked")
  private static java.util.stream.Stream<Thread> liveThreads() {
    try {
      Object root =
          Class.forName("jdk.internal.vm.ThreadContainers").getMethod("root").invoke(null);
      Method threads = Class.forName("jdk.internal.vm.ThreadContainer").getMethod("threads");
      return ((java.util.stream.Stream<Thread>) threads.invoke(root)).filter(Thread::isAlive);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException("listing threads failed", e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "cannot list virtual threads (is jdk.internal.vm exported to the tests?)", e);
    }
  }
}
