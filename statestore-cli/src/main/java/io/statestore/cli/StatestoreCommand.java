package io.statestore.cli;

import io.statestore.python.StateBridge;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code statestore} command line: {@code serve} a store to Python workers, {@code run} workers against a
 * private bridge, {@code ping} it, and {@code get}, {@code set}, {@code incr}, {@code keys}, {@code del},
 * {@code ttl}, {@code expire}, {@code persist} for a person at a terminal. Exit codes: 0 success (for {@code serve}: stopped by SIGTERM or SIGINT), 1 a failure (message on
 * stderr), 2 a usage error; {@code run} passes on its workers' status, 124 after its timeout, 128 + the signal
 * number after SIGINT or SIGTERM. docs/cli.md lists every case.
 */
@Command(name = "statestore", mixinStandardHelpOptions = true, versionProvider = StatestoreCommand.Version.class,
        description = "Shared key-value state for Python workers, hosted by the JVM.",
        subcommands = {ServeCommand.class, RunCommand.class, PingCommand.class, GetCommand.class, SetCommand.class,
                IncrCommand.class, KeysCommand.class, DelCommand.class, TtlCommand.class, ExpireCommand.class,
                PersistCommand.class, CommandLine.HelpCommand.class})
public final class StatestoreCommand implements Runnable {

    @Spec
    CommandSpec spec;

    /** Creates the command; picocli calls this. */
    public StatestoreCommand() {
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "Missing command: use one of serve, run, ping, get, set, incr, keys, del, ttl, expire, persist"
                        + " (statestore --help lists them)");
    }

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        // One line per log record on stderr (the JDK's default takes two), unless the user configured logging.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null
                && System.getProperty("java.util.logging.config.file") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT %4$s %5$s%6$s%n");
        }
        System.exit(execute(args));
    }

    /**
     * Runs the command line in this process.
     *
     * @param args the arguments
     * @return the exit status
     */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /**
     * Builds the command line with its error handling: a failure prints {@code statestore: MESSAGE} to stderr
     * and exits with 1.
     *
     * @return a picocli command line; set its out and err writers to capture output
     */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new StatestoreCommand());
        commandLine.setExecutionExceptionHandler((exception, cmd, parseResult) -> {
            PrintWriter err = cmd.getErr();
            err.println("statestore " + cmd.getCommandName() + ": " + describe(exception));
            err.flush();
            return 1;
        });
        return commandLine;
    }

    private static String describe(Exception exception) {
        String message = exception.getMessage();
        if (message == null || message.isBlank()) {
            message = exception.getClass().getSimpleName();
        }
        if (exception instanceof ArithmeticException) {
            return "overflow: " + message;
        }
        return message;
    }

    /** Reports the version of this build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"statestore " + StateBridge.version(),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
