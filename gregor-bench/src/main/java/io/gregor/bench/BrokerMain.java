package io.gregor.bench;

import io.gregor.embedded.EmbeddedKafka;
import io.gregor.embedded.EmbeddedKafkaCluster;
import java.io.IOException;

/**
 * The benchmark's broker, in a JVM of its own: prints its bootstrap address on one line, then runs
 * until its standard input closes (when the harness ends, or dies).
 */
public final class BrokerMain {
  private BrokerMain() {}

  /** With {@code brokers=N} (N above 1): a cluster of N brokers and a controller. */
  public static void main(String[] args) throws IOException {
    int brokers = 1;
    for (String arg : args) {
      if (arg.startsWith("brokers=")) {
        brokers = Integer.parseInt(arg.substring("brokers=".length()));
      }
    }
    try (AutoCloseable _ = start(brokers)) {
      while (System.in.read() >= 0) {
        // wait for end of input
      }
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    System.exit(0);
  }

  private static AutoCloseable start(int brokers) {
    String bootstrap;
    AutoCloseable kafka;
    if (brokers == 1) {
      EmbeddedKafka broker =
          EmbeddedKafka.builder().brokerConfig("log.segment.bytes", "268435456").start();
      bootstrap = broker.bootstrapServers();
      kafka = broker;
    } else {
      EmbeddedKafkaCluster cluster =
          EmbeddedKafkaCluster.builder()
              .brokers(brokers)
              .brokerConfig("log.segment.bytes", "268435456")
              .start();
      bootstrap = cluster.bootstrapServers();
      kafka = cluster;
    }
    System.out.println(bootstrap);
    System.out.flush();
    return kafka;
  }
}
