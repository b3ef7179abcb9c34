/** Confluent Parallel Consumer as a benchmark contender, in a JVM of its own. */
package io.gregor.bench.pc;
