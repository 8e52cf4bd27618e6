package io.statestore.mapdb;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A thread of the store's own that runs file operations MapDB does through an interruptible
 * {@link java.nio.channels.FileChannel}. An interrupt during such an operation closes the channel, and with
 * it the file for every user of the store; nothing interrupts this thread, and a caller waiting for it
 * ignores interrupts until the operation is done (then its interrupt status is set again).
 */
final class IoThread implements AutoCloseable {

    private final ExecutorService executor;

    IoThread(String name) {
        executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Runs the action on this thread and returns its result, or throws what it threw.
     *
     * @throws java.util.concurrent.RejectedExecutionException if this thread was closed
     */
    <T> T call(Supplier<T> action) {
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

    /** Stops the thread once what it was given is done, and waits for that, ignoring interrupts. */
    @Override
    public void close() {
        executor.shutdown();
        awaitUninterruptibly(executor);
    }

    /** Waits for a shut-down executor to finish, ignoring interrupts (then setting the status again). */
    static void awaitUninterruptibly(ExecutorService executor) {
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
