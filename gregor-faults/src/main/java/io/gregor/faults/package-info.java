/**
 * The fault suite's history checker: what a run produced, what Kafka acknowledged, what consumers
 * read ({@link io.gregor.faults.History}), and what that says about loss, duplicates, order and
 * stalls ({@link io.gregor.faults.HistoryChecker}, {@link io.gregor.faults.Report}). Plain Java: no
 * Kafka, no Gregor, so that the checker is tested on hand-made histories.
 */
package io.gregor.faults;
