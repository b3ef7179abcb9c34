/** A real Apache Kafka broker or cluster (KRaft mode) in-process, for tests and demos. */
package io.gregor.embedded;
