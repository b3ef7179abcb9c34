/**
 * The {@code gregor} command line: {@link io.gregor.cli.Gregor} is the top command and each
 * subcommand is a picocli {@code @Command} class listed in its {@code subcommands}.
 */
package io.gregor.cli;
