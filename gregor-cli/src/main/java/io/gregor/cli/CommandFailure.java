package io.gregor.cli;

/**
 * A command failed for a reason the user can act on; its message is the one line the command prints
 * (exit code 1). Carries no stack trace: there is nothing in it for the user.
 */
final class CommandFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CommandFailure(String message) {
    super(message, null, false, false);
  }
}
