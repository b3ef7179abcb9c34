package io.gregor;

/**
 * Processes one record for {@link Consumer#process}, on its own virtual thread. Returning
 * acknowledges the record; throwing hands it to the {@link RetryPolicy}.
 */
@FunctionalInterface
public interface RecordHandler<K, V> {
  void handle(Received<K, V> record) throws Exception;
}
