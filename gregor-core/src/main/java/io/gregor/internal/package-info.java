/** The engine behind the public API: one loop per Kafka client. Not exported. */
package io.gregor.internal;
