package io.gregor.cli;

import io.gregor.Event;
import io.gregor.Failure;
import io.gregor.Header;
import io.gregor.Received;
import io.gregor.Sent;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** The console's output: each event as one line of JSON, with a {@code "type"}. */
final class ConsoleEvents {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ConsoleEvents() {}

  static String line(Event<?> event) {
    ObjectNode line = NODES.objectNode();
    switch (event) {
      case Event.Data<?>(Received<?, ?> record) -> {
        line.put("type", "data");
        line.put("topic", record.topic());
        line.put("partition", record.partition());
        line.put("offset", record.offset());
        line.put("timestamp", record.timestamp().toString());
        line.set("key", json(record.key()));
        line.set("value", json(record.value()));
        line.set("headers", headers(record.headers()));
      }
      case Event.Data<?>(Sent<?, ?> sent) -> {
        line.put("type", "data");
        line.put("topic", sent.topic());
        line.put("partition", sent.partition());
        line.put("offset", sent.offset());
        line.put("timestamp", sent.timestamp().toString());
        line.set("key", json(sent.message().key()));
      }
      case Event.Data<?>(var other) -> {
        line.put("type", "data");
        line.set("value", json(other));
      }
      case Event.Result<?>(var operation, var value) -> {
        line.put("type", "result");
        line.put("op", ConsoleOperations.nameOf(operation));
        line.set("value", json(value));
      }
      case Event.Rebalance<?>(var kind, var partitions) -> {
        line.put("type", "rebalance");
        line.put("kind", kind.name());
        line.set("partitions", json(partitions));
      }
      case Event.Error<?>(var failure) -> error(line, failure);
      case Event.Eof<?> _ -> line.put("type", "eof");
    }
    return line.toString();
  }

  /** A line for a console input that is not an operation. */
  static String refused(long lineNumber, String reason) {
    ObjectNode line = NODES.objectNode();
    line.put("type", "error");
    line.put("kind", "INVALID_OPERATION");
    line.put("message", "line " + lineNumber + ": " + reason);
    line.put("line", lineNumber);
    return line.toString();
  }

  private static void error(ObjectNode line, Failure failure) {
    line.put("type", "error");
    line.put("kind", failure.kind().name());
    line.put("message", failure.message());
    if (failure.subject() != null) {
      line.set(
          "subject",
          failure.subject() instanceof Failure.Coordinates c
              ? NODES
                  .objectNode()
                  .put("topic", c.topic())
                  .put("partition", c.partition())
                  .put("offset", c.offset())
              : NODES.stringNode(String.valueOf(failure.subject())));
    }
  }

  private static JsonNode headers(Collection<Header> headers) {
    ObjectNode object = NODES.objectNode();
    for (Header header : headers) {
      object.put(
          header.key(),
          header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
    }
    return object;
  }

  /** Results as JSON: partitions as "topic-partition", offsets with their metadata. */
  static JsonNode json(Object value) {
    return switch (value) {
      case null -> NODES.nullNode();
      case String text -> NODES.stringNode(text);
      case Number number -> ConsoleOperations.JSON.valueToTree(number);
      case Boolean bool -> NODES.booleanNode(bool);
      case TopicPartition partition -> NODES.stringNode(partition.toString());
      case OffsetAndMetadata offset ->
          NODES.objectNode().put("offset", offset.offset()).put("metadata", offset.metadata());
      case Map<?, ?> map -> {
        ObjectNode object = NODES.objectNode();
        map.forEach((key, element) -> object.set(String.valueOf(key), json(element)));
        yield object;
      }
      case Collection<?> elements -> {
        ArrayNode array = NODES.arrayNode();
        var nodes = elements.stream().map(ConsoleEvents::json);
        if (elements instanceof java.util.Set<?>) { // no order of its own: a stable one
          nodes = nodes.sorted(java.util.Comparator.comparing(JsonNode::toString));
        }
        nodes.forEach(array::add);
        yield array;
      }
      case Record record -> ConsoleOperations.JSON.valueToTree(record);
      default -> NODES.stringNode(value.toString());
    };
  }
}
