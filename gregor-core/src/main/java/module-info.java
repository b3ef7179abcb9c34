/**
 * Gregor: a channel-based, asynchronous API for Apache Kafka.
 *
 * <p>Everything a user touches lives in {@code io.gregor}; the engine in {@code io.gregor.internal}
 * is not exported.
 */
module io.gregor {
  requires transitive kafka.clients;
  requires transitive com.softwaremill.jox;
  requires transitive tools.jackson.databind;
  requires org.slf4j;

  exports io.gregor;
}
