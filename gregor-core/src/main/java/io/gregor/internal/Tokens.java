package io.gregor.internal;

import com.softwaremill.jox.Channel;

/**
 * The token of a one-slot jox channel that says "go on" ({@link ChunkedOutput}: events wait; {@link
 * BatchedIntake}: there is room): whoever holds it may act, and blocking on the channel, or
 * selecting on it, is how a thread waits for its turn.
 */
final class Tokens {
  private static final Object TOKEN = new Object();

  private Tokens() {}

  /**
   * Puts the token in its channel, which has room for it (only one token exists): this never waits,
   * and a pending interrupt neither loses the token nor is lost. A finished channel refuses it.
   */
  static void put(Channel<Object> slot) {
    boolean interrupted = Thread.interrupted();
    while (true) {
      try {
        slot.sendOrClosed(TOKEN);
        break;
      } catch (InterruptedException e) {
        interrupted = true; // there is room, so trying again does not wait
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Takes the token out of a finished channel, if it is there, so that a select on it sees the
   * channel closed rather than a token left in its buffer; never waits.
   */
  static void swallow(Channel<Object> finishedSlot) {
    boolean interrupted = Thread.interrupted();
    try {
      finishedSlot
          .receiveOrClosed(); // a finished channel gives what it holds, or says it is closed
    } catch (InterruptedException e) {
      interrupted = true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
