package io.gregor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The live threads of this JVM, virtual threads included: Gregor's loops are virtual threads, which
 * {@link Thread#getAllStackTraces()} does not list. A JSON thread dump ({@code
 * com.sun.management.HotSpotDiagnosticMXBean.dumpThreads}) lists every thread the JDK tracks, which
 * by default ({@code jdk.trackAllThreads}) is all of them.
 *
 * <p>The dump is taken reflectively: test sources compile inside the module {@code io.gregor},
 * which does not read {@code java.management}; tests run on the class path, where it is visible.
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

  /** Every live thread. */
  static List<Entry> take() {
    try {
      Path file = Files.createTempFile("threads-", ".json");
      Files.delete(file); // dumpThreads refuses to overwrite
      try {
        dumpThreadsAsJson(file);
        return parse(JsonMapper.shared().readTree(Files.readString(file)));
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not take a thread dump", e);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void dumpThreadsAsJson(Path file) throws IOException {
    try {
      Class<?> beanType = Class.forName("com.sun.management.HotSpotDiagnosticMXBean");
      Class format = Class.forName("com.sun.management.HotSpotDiagnosticMXBean$ThreadDumpFormat");
      Object bean =
          Class.forName("java.lang.management.ManagementFactory")
              .getMethod("getPlatformMXBean", Class.class)
              .invoke(null, beanType);
      Method dumpThreads = beanType.getMethod("dumpThreads", String.class, format);
      dumpThreads.invoke(bean, file.toAbsolutePath().toString(), Enum.valueOf(format, "JSON"));
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IllegalStateException("dumpThreads failed", e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("this JDK cannot dump threads as JSON", e);
    }
  }

  /** The live threads whose names match. */
  static List<Entry> matching(Predicate<String> name) {
    return take().stream().filter(entry -> name.test(entry.name())).toList();
  }

  private static List<Entry> parse(JsonNode dump) {
    List<Entry> entries = new ArrayList<>();
    for (JsonNode container : dump.path("threadDump").path("threadContainers").values()) {
      for (JsonNode thread : container.path("threads").values()) {
        List<String> stack = new ArrayList<>();
        thread.path("stack").values().forEach(frame -> stack.add(frame.asString()));
        entries.add(
            new Entry(thread.path("name").asString(""), thread.path("state").asString("?"), stack));
      }
    }
    return entries;
  }
}
