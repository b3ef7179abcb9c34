package io.gregor.embedded;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.utils.internals.Exit;

/**
 * Keeps an in-process broker from ending the JVM it runs in.
 *
 * <p>On a fatal fault a Kafka server calls {@code Exit.halt(1)}, and a few code paths call {@code
 * Exit.exit}: right for a broker that owns its process, fatal for a test runner or an application
 * that embeds one. Kafka routes both through replaceable procedures (its own integration tests
 * replace them too); this class replaces them, once per JVM, with one that throws. The fault is
 * already logged at ERROR by Kafka, and the exception ends the work of the thread that met it.
 */
final class HaltGuard {
  private static final AtomicBoolean installed = new AtomicBoolean();

  private HaltGuard() {}

  static void install() {
    if (installed.compareAndSet(false, true)) {
      Exit.setHaltProcedure((status, message) -> refuse("halt", status, message));
      Exit.setExitProcedure((status, message) -> refuse("exit", status, message));
    }
  }

  private static void refuse(String what, int status, String message) {
    throw new IllegalStateException(
        "embedded Kafka asked to "
            + what
            + " the JVM with status "
            + status
            + (message == null ? "" : " (" + message + ")")
            + "; refused, the broker is broken and should be closed");
  }
}
