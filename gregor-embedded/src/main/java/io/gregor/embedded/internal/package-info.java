/**
 * Classes that the embedded broker loads by name from its configuration. Not an API: applications
 * never use them.
 */
package io.gregor.embedded.internal;
