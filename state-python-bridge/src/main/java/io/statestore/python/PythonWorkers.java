package io.statestore.python;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Launches and supervises N worker processes, typically {@code python3 worker.py}, each with a bridge's
 * environment ({@link StateBridge#environment()}) plus {@value #INDEX_VARIABLE} (0 to N-1) and
 * {@value #COUNT_VARIABLE} (N). Their stdout and stderr are forwarded line by line, each line prefixed with
 * {@code [worker I] }, to the given sinks (default {@code System.out} and {@code System.err}).
 *
 * <p>Workers inherit this process's environment, except the store's own secrets: variables whose names start
 * with {@code STATESTORE_} and contain {@code SECRET} (such as a Hazelcast cluster's
 * {@code STATESTORE_CLUSTER_SECRET}) are not passed on, unless given with {@link Builder#environment}. A
 * worker reaches the data through the bridge and its token, never around it.
 *
 * <p>{@link #close()} stops every worker still running: first politely ({@link Process#destroy()}, SIGTERM),
 * then, after a grace period, forcibly. Thread-safe.
 */
public final class PythonWorkers implements AutoCloseable {

    /** The environment variable holding a worker's index, 0 to N-1: {@value}. */
    public static final String INDEX_VARIABLE = "STATESTORE_WORKER_INDEX";

    /** The environment variable holding the number of workers: {@value}. */
    public static final String COUNT_VARIABLE = "STATESTORE_WORKER_COUNT";

    /** Told when a worker has exited and its output has been forwarded. */
    @FunctionalInterface
    public interface ExitListener {
        /**
         * Called once per worker, from a supervising thread.
         *
         * @param index  the worker's index
         * @param status its exit status
         */
        void exited(int index, int status);
    }

    private final List<Process> processes = new ArrayList<>();
    private final List<Thread> supervisors = new ArrayList<>();
    private final Integer[] statuses;
    private final CountDownLatch finished;
    private final Duration gracePeriod;

    private PythonWorkers(int count, Duration gracePeriod) {
        this.statuses = new Integer[count];
        this.finished = new CountDownLatch(count);
        this.gracePeriod = gracePeriod;
    }

    /**
     * Starts a builder for workers running a command.
     *
     * @param command the program and its arguments, for example {@code List.of("python3", "worker.py")}
     * @return a builder
     */
    public static Builder builder(List<String> command) {
        return new Builder(command);
    }

    /** Configures and starts {@link PythonWorkers}. */
    public static final class Builder {
        private final List<String> command;
        private int count = 1;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Path directory;
        private Consumer<String> stdout = System.out::println;
        private Consumer<String> stderr = System.err::println;
        private ExitListener onExit = (index, status) -> { };
        private Duration gracePeriod = Duration.ofSeconds(5);

        private Builder(List<String> command) {
            Objects.requireNonNull(command, "command");
            if (command.isEmpty()) {
                throw new IllegalArgumentException("the worker command is empty; give for example python3 worker.py");
            }
            this.command = List.copyOf(command);
        }

        /**
         * Sets how many workers to start.
         *
         * @param workers at least 1
         * @return this builder
         */
        public Builder count(int workers) {
            if (workers < 1) {
                throw new IllegalArgumentException("the number of workers must be at least 1, got " + workers);
            }
            this.count = workers;
            return this;
        }

        /**
         * Adds environment variables, typically {@link StateBridge#environment()}, on top of this process's
         * environment.
         *
         * @param variables the variables
         * @return this builder
         */
        public Builder environment(Map<String, String> variables) {
            environment.putAll(variables);
            return this;
        }

        /**
         * Sets the workers' working directory; default: this process's.
         *
         * @param directory the directory
         * @return this builder
         */
        public Builder directory(Path directory) {
            this.directory = directory;
            return this;
        }

        /**
         * Sets where prefixed stdout lines go; called from several threads at once.
         *
         * @param sink a thread-safe consumer of lines
         * @return this builder
         */
        public Builder stdout(Consumer<String> sink) {
            this.stdout = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /**
         * Sets where prefixed stderr lines go; called from several threads at once.
         *
         * @param sink a thread-safe consumer of lines
         * @return this builder
         */
        public Builder stderr(Consumer<String> sink) {
            this.stderr = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /**
         * Sets a listener told of each worker's exit.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder onExit(ExitListener listener) {
            this.onExit = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Sets how long {@link #close()} waits after SIGTERM before killing.
         *
         * @param grace a non-negative duration; default 5 seconds
         * @return this builder
         */
        public Builder gracePeriod(Duration grace) {
            if (grace.isNegative()) {
                throw new IllegalArgumentException("grace period must not be negative, got " + grace);
            }
            this.gracePeriod = grace;
            return this;
        }

        /**
         * Starts the workers.
         *
         * @return the running workers
         * @throws IOException if a worker cannot be started (then none is left running)
         */
        public PythonWorkers start() throws IOException {
            PythonWorkers workers = new PythonWorkers(count, gracePeriod);
            try {
                for (int index = 0; index < count; index++) {
                    workers.launch(this, index);
                }
            } catch (IOException | RuntimeException e) {
                workers.close();
                throw e;
            }
            return workers;
        }
    }

    private static boolean isStoreSecret(String variable) {
        return variable.startsWith("STATESTORE_") && variable.contains("SECRET");
    }

    private void launch(Builder builder, int index) throws IOException {
        ProcessBuilder processBuilder = new ProcessBuilder(builder.command);
        processBuilder.environment().keySet().removeIf(PythonWorkers::isStoreSecret);
        processBuilder.environment().putAll(builder.environment);
        processBuilder.environment().put(INDEX_VARIABLE, Integer.toString(index));
        processBuilder.environment().put(COUNT_VARIABLE, Integer.toString(builder.count));
        if (builder.directory != null) {
            processBuilder.directory(builder.directory.toFile());
        }
        processBuilder.redirectInput(ProcessBuilder.Redirect.PIPE);
        Process process;
        try {
            process = processBuilder.start();
        } catch (IOException e) {
            throw new IOException("cannot start worker " + index + " (" + String.join(" ", builder.command) + "): "
                    + e.getMessage(), e);
        }
        process.getOutputStream().close();
        String prefix = "[worker " + index + "] ";
        Thread out = pump(process.getInputStream(), prefix, builder.stdout, "statestore-worker-" + index + "-stdout");
        Thread err = pump(process.getErrorStream(), prefix, builder.stderr, "statestore-worker-" + index + "-stderr");
        Thread supervisor = new Thread(() -> supervise(index, process, out, err, builder.onExit),
                "statestore-worker-" + index);
        supervisor.setDaemon(true);
        synchronized (this) {
            processes.add(process);
            supervisors.add(supervisor);
        }
        supervisor.start();
    }

    private static Thread pump(InputStream stream, String prefix, Consumer<String> sink, String name) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    sink.accept(prefix + line);
                }
            } catch (IOException e) {
                // The process is gone and its pipe with it; what was read has been forwarded.
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private void supervise(int index, Process process, Thread out, Thread err, ExitListener onExit) {
        boolean interrupted = false;
        int status;
        while (true) {
            try {
                status = process.waitFor();
                out.join();
                err.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        synchronized (this) {
            statuses[index] = status;
        }
        try {
            onExit.exited(index, status);
        } finally {
            finished.countDown();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Returns how many workers were started.
     *
     * @return the number of workers
     */
    public int count() {
        return statuses.length;
    }

    /**
     * Waits until every worker has exited and its output has been forwarded.
     *
     * @param timeout how long to wait at most
     * @return true if all have exited, false if some still run after the timeout
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean waitFor(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Returns the exit status of a worker.
     *
     * @param index the worker's index
     * @return its status, or empty while it runs
     */
    public synchronized OptionalInt exitStatus(int index) {
        Integer status = statuses[index];
        return status == null ? OptionalInt.empty() : OptionalInt.of(status);
    }

    /**
     * Returns every worker's exit status, {@code null} for a worker still running.
     *
     * @return the statuses, by worker index
     */
    public synchronized List<Integer> exitStatuses() {
        return Collections.unmodifiableList(new ArrayList<>(java.util.Arrays.asList(statuses)));
    }

    /**
     * Returns the process handles of the workers, for their pids.
     *
     * @return the processes, by worker index
     */
    public synchronized List<ProcessHandle> processes() {
        List<ProcessHandle> handles = new ArrayList<>();
        processes.forEach(process -> handles.add(process.toHandle()));
        return handles;
    }

    /**
     * Stops every worker still running (and its child processes): SIGTERM, then after the grace period a
     * forcible kill; then waits for the output to be forwarded. Idempotent.
     */
    @Override
    public void close() {
        List<Process> running;
        synchronized (this) {
            running = new ArrayList<>(processes);
        }
        for (Process process : running) {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroy);
                process.destroy();
            }
        }
        long deadline = System.nanoTime() + gracePeriod.toNanos();
        for (Process process : running) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.waitFor(left, TimeUnit.NANOSECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        List<Thread> threads;
        synchronized (this) {
            threads = new ArrayList<>(supervisors);
        }
        for (Thread thread : threads) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
