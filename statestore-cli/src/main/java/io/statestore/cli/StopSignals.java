package io.statestore.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGTERM and SIGINT into a request to stop that the command carries out itself, in place of the JVM's
 * default (run the shutdown hooks, then exit with 128 + the signal number): a server stopped on request has done
 * its job, and exits 0 after stopping cleanly. Where the JVM keeps a signal to itself (run with {@code -Xrs}),
 * its default stays.
 */
final class StopSignals implements AutoCloseable {

    private final CountDownLatch stop = new CountDownLatch(1);
    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
    private volatile String received;

    private StopSignals() {
    }

    /**
     * Takes over SIGTERM and SIGINT until {@link #close()}.
     *
     * @return the installed handlers
     */
    static StopSignals install() {
        StopSignals signals = new StopSignals();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal signal = new Signal(name);
                signals.previous.put(signal, Signal.handle(signal, signals::receive));
            } catch (IllegalArgumentException e) {
                // The JVM or the platform keeps this signal: its default applies.
            }
        }
        return signals;
    }

    private void receive(Signal signal) {
        if (received == null) {
            received = "SIG" + signal.getName();
        }
        stop.countDown();
    }

    /**
     * Waits for SIGTERM or SIGINT.
     *
     * @return the signal's name, such as {@code SIGTERM}
     * @throws InterruptedException if the waiting thread is interrupted
     */
    String await() throws InterruptedException {
        stop.await();
        return received;
    }

    /** Gives the signals back to the handlers they had before. */
    @Override
    public void close() {
        previous.forEach(Signal::handle);
        previous.clear();
    }
}
