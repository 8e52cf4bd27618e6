package io.statestore.mapdb;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The store's own thread, and the one place that shields MapDB from interrupts. MapDB does some file I/O
 * through an interruptible {@link java.nio.channels.FileChannel} (a memory-mapped file is opened, mapped
 * further, truncated and closed through one), and an interrupt during such an operation closes the channel,
 * and with it the file, for every user of the store. Nothing interrupts this thread, so every MapDB operation
 * that may touch such a channel runs here: opening the file, checkpoints, closing, and, for a wrapped
 * {@code DB} whose volumes the store did not choose, every write and commit. A caller waiting for it ignores
 * interrupts until the work is done and then sets its interrupt status again.
 *
 * <p>Everything else stays on the callers' threads: reads (a {@code RandomAccessFile} and memory are not
 * interruptible), the changes themselves (between checkpoints they live in memory) and the log, which is a
 * {@link DataFile}.
 */
final class StoreThread implements AutoCloseable {

    private final ScheduledExecutorService executor;
    private volatile Thread thread;

    StoreThread(String name) {
        executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread created = new Thread(runnable, name);
            created.setDaemon(true);
            thread = created;
            return created;
        });
    }

    /**
     * Runs the action on this thread, or at once if called from it, and returns its result or throws what it
     * threw.
     *
     * @throws RejectedExecutionException if this thread was closed
     */
    <T> T call(Supplier<T> action) {
        if (Thread.currentThread() == thread) {
            return action.get();
        }
        Future<T> result = executor.submit(action::get);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException) {
                        throw (RuntimeException) cause;
                    }
                    if (cause instanceof Error) {
                        throw (Error) cause;
                    }
                    throw new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    void run(Runnable action) {
        call(() -> {
            action.run();
            return null;
        });
    }

    /**
     * Runs the action on this thread later, unless the thread was closed.
     *
     * @return whether the action will run
     */
    boolean execute(Runnable action) {
        try {
            executor.execute(action);
            return true;
        } catch (RejectedExecutionException closed) {
            // Closing: the close does the work that matters.
            return false;
        }
    }

    /** Runs the action on this thread every period, until cancelled or closed. */
    ScheduledFuture<?> every(Duration period, Runnable action) {
        long millis = Math.max(1, period.toMillis());
        return executor.scheduleWithFixedDelay(action, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** Stops the thread once what it was given is done, and waits for that, ignoring interrupts. */
    @Override
    public void close() {
        if (Thread.currentThread() == thread) {
            executor.shutdown();
            return;
        }
        executor.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (executor.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
