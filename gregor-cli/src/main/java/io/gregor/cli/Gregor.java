package io.gregor.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * The {@code gregor} command. Each job is a subcommand; add one by writing a picocli
 * {@code @Command} class and listing it in {@code subcommands} below.
 *
 * <p>Exit codes: 0 success, 1 the command failed (one line on stderr says why), 2 bad usage (the
 * usage message follows the error).
 */
@Command(
    name = "gregor",
    description = "Gregor: a channel-based API for Apache Kafka, and the tools around it.",
    mixinStandardHelpOptions = true,
    versionProvider = Gregor.Version.class,
    subcommands = {
      BrokerCommand.class,
      DemoCommand.class,
      ProduceCommand.class,
      ConsumeCommand.class,
      TopicsCommand.class,
      GroupsCommand.class,
      ClusterCommand.class,
      ConsoleCommand.class
    })
public final class Gregor {
  /** The command failed: a port was taken, a directory was not writable, Kafka failed. */
  public static final int EXIT_FAILURE = CommandLine.ExitCode.SOFTWARE;

  /** The command line was wrong: unknown option, bad value, missing subcommand. */
  public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

  /** Created by picocli. */
  public Gregor() {}

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    int status;
    try {
      status = commandLine().execute(args);
    } catch (Error e) {
      // picocli handles exceptions; an Error (for example a class failing to initialise because a
      // SIGTERM arrived during the start) still gets one line, not a stack trace.
      System.err.println("gregor: " + e);
      status = EXIT_FAILURE;
    }
    System.exit(status);
  }

  /** The configured command line, for {@link #main} and tests. */
  public static CommandLine commandLine() {
    return new CommandLine(new Gregor())
        .setExecutionExceptionHandler(new OneLineErrors())
        .setParameterExceptionHandler(new ErrorThenUsage());
  }

  /**
   * Bad usage: the error, any "did you mean" suggestions, then always the usage, and exit code 2
   * (picocli's default prints only the suggestions when there are some).
   */
  private static final class ErrorThenUsage implements CommandLine.IParameterExceptionHandler {
    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
      CommandLine command = e.getCommandLine();
      PrintWriter err = command.getErr();
      err.println(e.getMessage());
      CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
      command.usage(err);
      err.flush();
      return EXIT_USAGE;
    }
  }

  /** Prints a failure as one line, {@code gregor <command>: <what went wrong>}, without a trace. */
  private static final class OneLineErrors implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
      PrintWriter err = command.getErr();
      err.println(command.getCommandSpec().qualifiedName() + ": " + message(e));
      err.flush();
      return EXIT_FAILURE;
    }

    private static String message(Throwable e) {
      var message = e.getMessage();
      return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      var version = Gregor.class.getPackage().getImplementationVersion();
      return new String[] {"gregor " + (version == null ? "(development build)" : version)};
    }
  }
}
