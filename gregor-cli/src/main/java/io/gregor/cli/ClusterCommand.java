package io.gregor.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code gregor cluster}: the cluster's id, its controller and its brokers. */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    versionProvider = Gregor.Version.class,
    description = "Prints the cluster's id and controller, then its brokers: id, address, rack.")
public final class ClusterCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;
  @Mixin private KafkaOptions kafka;

  /** Created by picocli. */
  public ClusterCommand() {}

  @Override
  public Integer call() {
    kafka.validate();
    kafka.configureLogging();
    try (var cluster = Cluster.of(kafka)) {
      var brokers = cluster.brokers();
      var out = spec.commandLine().getOut();
      out.println(
          "cluster "
              + brokers.clusterId()
              + ": "
              + TopicsCommand.plural(brokers.nodes().size(), "broker")
              + ", controller "
              + (brokers.controller() < 0 ? "unknown" : brokers.controller()));
      for (var node : brokers.nodes()) {
        out.println(
            node.id()
                + "\t"
                + node.host()
                + ":"
                + node.port()
                + (node.hasRack() ? "\t" + node.rack() : ""));
      }
      out.flush();
    }
    return 0;
  }
}
