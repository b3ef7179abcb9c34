/** Benchmarks: the raw Kafka client, Gregor and peers measured side by side. */
package io.gregor.bench;
