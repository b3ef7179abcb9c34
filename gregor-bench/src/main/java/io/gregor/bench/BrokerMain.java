package io.gregor.bench;

import io.gregor.embedded.EmbeddedKafka;
import java.io.IOException;

/**
 * The benchmark's broker, in a JVM of its own: prints its bootstrap address on one line, then runs
 * until its standard input closes (when the harness ends, or dies).
 */
public final class BrokerMain {
  private BrokerMain() {}

  public static void main(String[] args) throws IOException {
    try (EmbeddedKafka broker =
        EmbeddedKafka.builder().brokerConfig("log.segment.bytes", "268435456").start()) {
      System.out.println(broker.bootstrapServers());
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for end of input
      }
    }
    System.exit(0);
  }
}
