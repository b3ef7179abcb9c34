/** Gregor's public API: producers, consumers, their settings, events, operations and serdes. */
package io.gregor;
