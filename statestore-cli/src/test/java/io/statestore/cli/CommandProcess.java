package io.statestore.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The {@code statestore} command line in a child JVM on this test's class path, its output in files. Close
 * it to stop the child (forcibly, if it still runs), also when a test fails.
 */
final class CommandProcess implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private CommandProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Starts {@code statestore ARGS...}.
     *
     * @param directory   where the output files go
     * @param name        a name for the output files
     * @param environment variables to add to the child's environment
     * @param args        the command line's arguments
     */
    static CommandProcess start(Path directory, String name, Map<String, String> environment, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                StatestoreCommand.class.getName()));
        command.addAll(List.of(args));
        Path stdout = directory.resolve(name + ".out");
        Path stderr = directory.resolve(name + ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        builder.environment().remove("STATESTORE_TOKEN");
        builder.environment().remove("STATESTORE_ADDRESS");
        builder.environment().putAll(environment);
        return new CommandProcess(builder.start(), stdout, stderr);
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    String stdout() throws IOException {
        return Files.exists(stdout) ? Files.readString(stdout, StandardCharsets.UTF_8) : "";
    }

    String stderr() throws IOException {
        return Files.exists(stderr) ? Files.readString(stderr, StandardCharsets.UTF_8) : "";
    }

    /**
     * Waits until the child printed {@code ready} or exited.
     *
     * @return its stdout lines up to {@code ready}, or empty if it exited first
     */
    Optional<List<String>> awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            List<String> lines = stdout().lines().toList();
            int ready = lines.indexOf("ready");
            if (ready >= 0) {
                return Optional.of(lines.subList(0, ready));
            }
            if (!process.isAlive()) {
                return Optional.empty();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("statestore neither ready nor ended within " + READY_TIMEOUT + "; stderr: " + stderr());
    }

    /** The value of a {@code NAME=value} line printed before {@code ready}. */
    static Optional<String> value(List<String> lines, String name) {
        return lines.stream().filter(line -> line.startsWith(name + "=")).map(line -> line.substring(name.length() + 1))
                .findFirst();
    }

    /** Sends a signal (TERM, INT, ...) to the child. */
    void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** Waits for the child to end and returns its exit status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("statestore (pid " + process.pid() + ") still runs after " + timeout);
        }
        return process.exitValue();
    }

    /** Tells whether the child ignores a signal it inherited as ignored (a background job of a script ignores SIGINT). */
    boolean ignores(int signal) throws IOException {
        Path status = Path.of("/proc", Long.toString(process.pid()), "status");
        if (!Files.exists(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                long mask = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
                return (mask & (1L << (signal - 1))) != 0;
            }
        }
        return false;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
