package io.statestore.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs example programs in child processes, as a user would from a shell, and collects their output. */
final class ChildProcess {

    private ChildProcess() {
    }

    /** What a finished child printed and its exit code. */
    record Result(int exitCode, String stdout, String stderr) {

        /** Both streams, for failure messages. */
        String transcript() {
            return "exit code " + exitCode + "\n--- stdout:\n" + stdout + "--- stderr:\n" + stderr;
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String python() {
        return System.getenv().getOrDefault("PYTHON", "python3");
    }

    /** The runnable command-line jar, built by the statestore-cli module earlier in the reactor. */
    static Path statestoreJar() {
        Path jar = Path.of("..", "statestore-cli", "target", "statestore.jar").toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing; build it with ./mvnw package");
        }
        return jar;
    }

    /** A started child whose output is collected in the background, so it never blocks on a full pipe. */
    static final class Running implements AutoCloseable {
        private final Process process;
        private final StringBuffer stdoutSoFar = new StringBuffer();
        private final CompletableFuture<String> stdout;
        private final CompletableFuture<String> stderr;

        private Running(Process process) {
            this.process = process;
            this.stdout = collect(process.getInputStream(), stdoutSoFar);
            this.stderr = collect(process.getErrorStream(), new StringBuffer());
        }

        /**
         * Waits until the child has printed a text on stdout.
         *
         * @throws AssertionError if it exits or the timeout passes first
         */
        void awaitStdout(String text, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (stdoutSoFar.indexOf(text) < 0) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    close();
                    throw new AssertionError("the child did not print \"" + text + "\" "
                            + (process.isAlive() ? "within " + timeout : "before it exited") + "; stdout:\n"
                            + stdoutSoFar + "\nstderr:\n" + stderr.getNow("(still running)"));
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }

        /**
         * Waits for the child to exit.
         *
         * @throws AssertionError if it does not finish in time (it is killed first)
         */
        Result await(Duration timeout) {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    close();
                    process.waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("timed out after " + timeout + "; output so far:\n"
                            + stdout.getNow("") + "\n" + stderr.getNow(""));
                }
                return new Result(process.exitValue(), stdout.get(30, TimeUnit.SECONDS),
                        stderr.get(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new AssertionError("cannot read the child's output", e);
            }
        }

        /** Kills the child and everything it started. */
        @Override
        public void close() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }

        private static CompletableFuture<String> collect(InputStream stream, StringBuffer soFar) {
            CompletableFuture<String> text = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(stream,
                        StandardCharsets.UTF_8))) {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        soFar.append(line).append('\n');
                    }
                    text.complete(soFar.toString());
                } catch (IOException e) {
                    text.completeExceptionally(e);
                }
            }, "child-output");
            reader.setDaemon(true);
            reader.start();
            return text;
        }
    }

    /** Starts a command in this module's directory with no input. */
    static Running start(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).start();
            process.getOutputStream().close();  // the examples read no input
            return new Running(process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Returns a TCP port that was free a moment ago, for a cluster member to listen on. */
    static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    /** Runs a command to its end, killing it (and its children) if it outlives the timeout. */
    static Result run(List<String> command, Duration timeout) {
        try (Running running = start(command)) {
            return running.await(timeout);
        }
    }
}
