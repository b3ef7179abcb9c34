package io.gregor.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a standard stream is a terminal. Java cannot ask {@code isatty} of one stream: {@code
 * System.console()} (and, since JDK 22, its {@code isTerminal()}) speak for stdin and stdout
 * together, while progress belongs on stderr, typically with stdin redirected from a file. So: on
 * Linux, {@code /proc} says where the descriptor points; elsewhere on Unix, {@code test -t} run
 * with the stream inherited answers; without either, the console stands in.
 */
final class Terminal {
  private Terminal() {}

  static boolean stderrIsTerminal() {
    return isTerminal(2);
  }

  static boolean stdinIsTerminal() {
    return isTerminal(0);
  }

  private static boolean isTerminal(int fd) {
    var link = Path.of("/proc/self/fd/" + fd);
    if (Files.isSymbolicLink(link)) {
      try {
        var target = Files.readSymbolicLink(link).toString();
        return target.startsWith("/dev/pts/")
            || target.startsWith("/dev/tty")
            || target.equals("/dev/console");
      } catch (IOException | UnsupportedOperationException e) {
        // ask the shell
      }
    }
    if (Files.isExecutable(Path.of("/bin/sh"))) {
      try {
        var test = new ProcessBuilder("/bin/sh", "-c", "test -t " + fd);
        test.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        if (fd == 0) {
          test.redirectInput(ProcessBuilder.Redirect.INHERIT);
        } else {
          test.redirectError(ProcessBuilder.Redirect.INHERIT);
        }
        return test.start().waitFor() == 0;
      } catch (IOException e) {
        // use the console
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    var console = System.console();
    return console != null && console.isTerminal();
  }
}
