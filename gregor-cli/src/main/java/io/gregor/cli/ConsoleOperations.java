package io.gregor.cli;

import io.gregor.Header;
import io.gregor.Message;
import io.gregor.Operation;
import io.gregor.Topics;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The console's language: a line of JSON names an operation ({@code "op"}) and its arguments, the
 * original Gregor's data-driven operations. {@link #parse} turns a line into an {@link Operation},
 * a {@link Message} (the producer's {@code send}), or a {@link Refused} that says what is wrong.
 */
final class ConsoleOperations {
  static final ObjectMapper JSON = JsonMapper.builder().build();

  /** A line that is not an operation, and why. */
  record Refused(String reason) {}

  /** What an op needs, read from the line's fields. */
  @FunctionalInterface
  private interface Reader {
    Object read(Fields fields);
  }

  private static final Map<String, Reader> CONSUMER = new LinkedHashMap<>();
  private static final Map<String, Reader> PRODUCER = new LinkedHashMap<>();

  static {
    CONSUMER.put(
        "subscribe",
        f ->
            f.has("pattern")
                ? new Operation.Subscribe(Topics.matching(f.text("pattern")))
                : new Operation.Subscribe(Topics.of(f.texts("topics"))));
    CONSUMER.put("unsubscribe", f -> new Operation.Unsubscribe());
    CONSUMER.put("subscriptions", f -> new Operation.Subscriptions());
    CONSUMER.put("assign", f -> new Operation.Assign(f.partitions("partitions")));
    CONSUMER.put("assignment", f -> new Operation.Assignment());
    CONSUMER.put("seek", f -> new Operation.Seek(f.partition(), f.number("offset")));
    CONSUMER.put("seek-to-beginning", f -> new Operation.SeekToBeginning(f.partitionsOrAll()));
    CONSUMER.put("seek-to-end", f -> new Operation.SeekToEnd(f.partitionsOrAll()));
    CONSUMER.put(
        "seek-to-timestamp",
        f -> new Operation.SeekToTimestamp(f.partitionsOrAll(), f.instant("timestamp")));
    CONSUMER.put("position", f -> new Operation.Position(f.partition()));
    CONSUMER.put("pause", f -> new Operation.Pause(f.partitions("partitions")));
    CONSUMER.put("resume", f -> new Operation.Resume(f.partitions("partitions")));
    CONSUMER.put("paused", f -> new Operation.Paused());
    CONSUMER.put(
        "commit",
        f ->
            f.has("offsets") ? new Operation.Commit(f.offsets("offsets")) : new Operation.Commit());
    CONSUMER.put("committed", f -> new Operation.Committed(f.partitions("partitions")));
    CONSUMER.put("end-offsets", f -> new Operation.EndOffsets(f.partitionsOrAll()));
    CONSUMER.put("lag", f -> new Operation.Lag());
    CONSUMER.put("list-topics", f -> new Operation.ListTopics());
    CONSUMER.put("partitions-for", f -> new Operation.PartitionsFor(f.text("topic")));
    CONSUMER.put("metrics", f -> new Operation.Metrics());
    CONSUMER.put("close", f -> new Operation.Close());

    PRODUCER.put("send", Fields::message);
    PRODUCER.put("flush", f -> new Operation.Flush());
    PRODUCER.put("partitions-for", f -> new Operation.PartitionsFor(f.text("topic")));
    PRODUCER.put("metrics", f -> new Operation.Metrics());
    PRODUCER.put("begin-transaction", f -> new Operation.BeginTransaction());
    PRODUCER.put("commit-transaction", f -> new Operation.CommitTransaction());
    PRODUCER.put("abort-transaction", f -> new Operation.AbortTransaction());
    PRODUCER.put("close", f -> new Operation.Close());
  }

  private ConsoleOperations() {}

  /** The op names a client takes, in the order the help lists them. */
  static Set<String> names(boolean consumer) {
    return (consumer ? CONSUMER : PRODUCER).keySet();
  }

  /** The name of an operation, as the console writes it in results. */
  static String nameOf(Operation<?> operation) {
    String simple = operation.getClass().getSimpleName();
    StringBuilder name = new StringBuilder();
    for (int i = 0; i < simple.length(); i++) {
      char c = simple.charAt(i);
      if (Character.isUpperCase(c) && i > 0) {
        name.append('-');
      }
      name.append(Character.toLowerCase(c));
    }
    return name.toString();
  }

  /** The line as an operation, a message, or why it is neither. */
  static Object parse(String line, boolean consumer) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JacksonException e) {
      return new Refused("not JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      return new Refused(
          "an operation is a JSON object, like {\"op\":\"" + first(consumer) + "\"}");
    }
    JsonNode op = node.get("op");
    if (op == null || op.isNull()) {
      return new Refused(
          "missing \"op\": say which operation, e.g. {\"op\":\"" + first(consumer) + "\"}");
    }
    if (!op.isString()) {
      return new Refused("\"op\" must be a string, was " + op);
    }
    Reader reader = (consumer ? CONSUMER : PRODUCER).get(op.asString());
    if (reader == null) {
      return new Refused(
          "unknown op '"
              + op.asString()
              + "' for a "
              + (consumer ? "consumer" : "producer")
              + "; known: "
              + String.join(", ", names(consumer)));
    }
    try {
      return reader.read(new Fields(op.asString(), node));
    } catch (BadField e) {
      return new Refused(e.getMessage());
    } catch (IllegalArgumentException | NullPointerException e) {
      return new Refused("op '" + op.asString() + "': " + e.getMessage());
    }
  }

  private static String first(boolean consumer) {
    return consumer ? "subscriptions" : "flush";
  }

  /** A missing or mistyped argument. */
  private static final class BadField extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadField(String message) {
      super(message, null, false, false);
    }
  }

  /** The fields of one line, read with messages that name the op and the field. */
  private record Fields(String op, JsonNode node) {
    boolean has(String name) {
      return node.has(name) && !node.get(name).isNull();
    }

    private JsonNode required(JsonNode in, String name) {
      JsonNode value = in.get(name);
      if (value == null || value.isNull()) {
        throw new BadField("op '" + op + "' needs \"" + name + "\"");
      }
      return value;
    }

    private BadField wrongType(String name, String type, JsonNode value) {
      return new BadField("op '" + op + "': \"" + name + "\" must be " + type + ", was " + value);
    }

    String text(String name) {
      return text(node, name);
    }

    private String text(JsonNode in, String name) {
      JsonNode value = required(in, name);
      if (!value.isString()) {
        throw wrongType(name, "a string", value);
      }
      return value.asString();
    }

    long number(String name) {
      return number(node, name);
    }

    private long number(JsonNode in, String name) {
      JsonNode value = required(in, name);
      if (!value.isIntegralNumber()) {
        throw wrongType(name, "a whole number", value);
      }
      return value.asLong();
    }

    Instant instant(String name) {
      JsonNode value = required(node, name);
      if (value.isIntegralNumber()) {
        return Instant.ofEpochMilli(value.asLong());
      }
      if (value.isString()) {
        try {
          return Instant.parse(value.asString());
        } catch (DateTimeParseException e) {
          throw wrongType(name, "an ISO-8601 instant or epoch milliseconds", value);
        }
      }
      throw wrongType(name, "an ISO-8601 instant or epoch milliseconds", value);
    }

    List<String> texts(String name) {
      JsonNode value = required(node, name);
      if (!value.isArray()) {
        throw wrongType(name, "an array of strings", value);
      }
      List<String> texts = new ArrayList<>();
      for (JsonNode element : value) {
        if (!element.isString()) {
          throw wrongType(name, "an array of strings", value);
        }
        texts.add(element.asString());
      }
      return texts;
    }

    /** The partition named by the line's own "topic" and "partition". */
    TopicPartition partition() {
      return partitionIn(node);
    }

    private TopicPartition partitionIn(JsonNode in) {
      return new TopicPartition(text(in, "topic"), Math.toIntExact(number(in, "partition")));
    }

    Set<TopicPartition> partitions(String name) {
      return each(name, "an array of {\"topic\":...,\"partition\":...}", this::partitionIn);
    }

    /** The "partitions" given, or all assigned ones (empty) when none are. */
    Set<TopicPartition> partitionsOrAll() {
      return has("partitions") ? partitions("partitions") : Set.of();
    }

    Map<TopicPartition, OffsetAndMetadata> offsets(String name) {
      Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
      each(
          name,
          "an array of {\"topic\":...,\"partition\":...,\"offset\":...}",
          element -> {
            String metadata = element.has("metadata") ? text(element, "metadata") : "";
            offsets.put(
                partitionIn(element), new OffsetAndMetadata(number(element, "offset"), metadata));
            return null;
          });
      return offsets;
    }

    private <E> Set<E> each(String name, String type, Function<JsonNode, E> read) {
      JsonNode value = required(node, name);
      if (!value.isArray()) {
        throw wrongType(name, type, value);
      }
      Set<E> elements = new LinkedHashSet<>();
      for (JsonNode element : value) {
        if (!element.isObject()) {
          throw wrongType(name, type, value);
        }
        E read1 = read.apply(element);
        if (read1 != null) {
          elements.add(read1);
        }
      }
      return elements;
    }

    /**
     * {"op":"send","topic":...,"key":...,"value":...,"partition":...,"headers":{...}}, or
     * "tombstone":true instead of a value.
     */
    Message<String, String> message() {
      String topic = text("topic");
      String key = has("key") ? text("key") : null;
      boolean tombstone = has("tombstone") && node.get("tombstone").asBoolean(false);
      Message<String, String> message =
          tombstone ? Message.tombstone(topic, key) : Message.of(topic, key, text("value"));
      if (has("partition")) {
        message = message.withPartition(Math.toIntExact(number("partition")));
      }
      if (has("headers")) {
        JsonNode headers = node.get("headers");
        if (!headers.isObject()) {
          throw wrongType("headers", "an object of strings", headers);
        }
        for (var entry : headers.properties()) {
          if (!entry.getValue().isString()) {
            throw wrongType("headers", "an object of strings", headers);
          }
          message = message.withHeader(Header.of(entry.getKey(), entry.getValue().asString()));
        }
      }
      return message;
    }
  }
}
