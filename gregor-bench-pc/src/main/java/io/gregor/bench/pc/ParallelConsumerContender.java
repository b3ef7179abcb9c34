package io.gregor.bench.pc;

import io.confluent.parallelconsumer.ParallelConsumerOptions;
import io.confluent.parallelconsumer.ParallelConsumerOptions.CommitMode;
import io.confluent.parallelconsumer.ParallelConsumerOptions.ProcessingOrder;
import io.confluent.parallelconsumer.ParallelStreamProcessor;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Confluent Parallel Consumer as the processing measure's contender, with the harness's output
 * protocol ({@code RESULT key=value ...} on stdout): {@code pc-process bootstrap=... topic=...
 * records=... group=... concurrency=...}.
 *
 * <p>KEY ordering, {@code maxConcurrency} as given (its worker pool has that many platform
 * threads), and its default commit mode, {@code PERIODIC_CONSUMER_ASYNCHRONOUS}, set explicitly.
 */
public final class ParallelConsumerContender {
  private static final Duration BOUND = Duration.ofMinutes(5);

  private ParallelConsumerContender() {}

  public static void main(String[] args) throws InterruptedException {
    Map<String, String> options = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      options.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    if (!args[0].equals("pc-process")) {
      throw new IllegalArgumentException("unknown contender " + args[0]);
    }
    Map<String, Object> result =
        process(
            options.get("bootstrap"),
            options.get("topic"),
            Integer.parseInt(options.get("records")),
            options.get("group"),
            Integer.parseInt(options.get("concurrency")));
    StringBuilder line = new StringBuilder("RESULT");
    result.forEach((key, value) -> line.append(' ').append(key).append('=').append(value));
    System.out.println(line);
    System.out.flush();
    System.exit(0);
  }

  private static Map<String, Object> process(
      String bootstrap, String topic, int n, String group, int concurrency)
      throws InterruptedException {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false); // Parallel Consumer commits
    var consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    var options =
        ParallelConsumerOptions.<String, byte[]>builder()
            .consumer(consumer)
            .ordering(ProcessingOrder.KEY)
            .maxConcurrency(concurrency)
            .commitMode(CommitMode.PERIODIC_CONSUMER_ASYNCHRONOUS)
            .build();
    ProcessTally tally = new ProcessTally(n);
    ParallelStreamProcessor<String, byte[]> processor =
        ParallelStreamProcessor.createEosStreamProcessor(options);
    try {
      processor.subscribe(List.of(topic));
      processor.poll(
          context -> {
            ConsumerRecord<String, byte[]> record = context.getSingleConsumerRecord();
            try {
              tally.handle(record.partition(), record.key(), record.offset());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IllegalStateException("interrupted", e);
            }
          });
      tally.await(BOUND);
      return tally.result();
    } finally {
      processor.closeDontDrainFirst(Duration.ofSeconds(10));
    }
  }
}
