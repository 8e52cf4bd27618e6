package io.statestore.python;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import io.statestore.python.TestBridges.Transport;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Strangers cannot lock authenticated clients out: while an attacker without the token opens connections as
 * fast as it can, holds each until the server closes it and then opens another (some send half a frame and
 * stop), a client that says hello right after connecting is served, over TCP, over the Unix socket, and over
 * the Unix socket while the flood is on TCP. The bridge runs with its default limits.
 *
 * <p>The test can fail if the mechanism goes: the attacker must have held more connections than the bridge's
 * connection limit and had some of its connections closed to admit newer ones; were connections before hello
 * counted against that limit, the clients would be told SERVER_BUSY.
 */
class ConnectionFloodTest {

    private static final int TRIES = 100;
    private static final int REQUIRED = 99;
    private static final Duration WITHIN = Duration.ofSeconds(1);
    private static final int ATTACKER_THREADS = 4;
    /** Connections one attacker thread holds at most, to stay within this JVM's file descriptors. */
    private static final int HELD_PER_THREAD = 250;
    /** One attacker connection in this many sends half a frame and stops. */
    private static final int HALF_FRAME_EVERY = 4;

    @TempDir
    Path directory;

    private StateStore store;
    private StateBridge bridge;
    private ExecutorService clients;

    @BeforeEach
    void start() throws Exception {
        store = TestBridges.freshStore();
        bridge = TestBridges.startBoth(store, directory);
        clients = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "legitimate-client");
            thread.setDaemon(true);
            return thread;
        });
    }

    @AfterEach
    void stop() throws Exception {
        clients.shutdownNow();
        assertTrue(clients.awaitTermination(10, TimeUnit.SECONDS), "the client thread ends");
        bridge.close();
        store.close();
    }

    static Stream<Arguments> floods() {
        return Stream.of(Arguments.of(Transport.TCP, Transport.TCP), Arguments.of(Transport.UNIX, Transport.UNIX),
                Arguments.of(Transport.TCP, Transport.UNIX));
    }

    @ParameterizedTest(name = "flood on {0}, client on {1}")
    @MethodSource("floods")
    @Timeout(120)
    @DisplayName("under a flood of connections that never say hello, a client that does is served 99 times in 100 within 1 s")
    void clientsAreServedThroughAFlood(Transport attacked, Transport used) throws Exception {
        BridgeAddress target = TestBridges.address(bridge, attacked);
        BridgeAddress address = TestBridges.address(bridge, used);
        int limit = bridge.options().maxPendingConnections();
        Flood flood = new Flood(target);
        try {
            flood.start();
            // The flood is on once the attacker holds more than the bridge lets wait and has been cut back.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while ((flood.peakHeld() <= bridge.options().maxConnections() || bridge.evictedConnections() == 0)
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            long evictedBefore = bridge.evictedConnections();

            int served = 0;
            long slowest = 0;
            List<Long> times = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < TRIES; i++) {
                long started = System.nanoTime();
                Future<Long> call = clients.submit(() -> {
                    try (BridgeClient client = BridgeClient.connect(address, bridge.token())) {
                        return client.incr("served", 1);
                    }
                });
                try {
                    call.get(5, TimeUnit.SECONDS);
                    long took = System.nanoTime() - started;
                    slowest = Math.max(slowest, took);
                    times.add(took);
                    if (took <= WITHIN.toNanos()) {
                        served++;
                    } else {
                        failures.add("try " + i + " took " + TimeUnit.NANOSECONDS.toMillis(took) + " ms");
                    }
                } catch (ExecutionException e) {
                    failures.add("try " + i + ": " + e.getCause());
                } catch (TimeoutException e) {
                    call.cancel(true);
                    failures.add("try " + i + ": no answer within 5 s");
                }
            }
            long evictedDuring = bridge.evictedConnections() - evictedBefore;
            flood.stop();

            times.sort(null);
            double median = times.isEmpty() ? Double.NaN : times.get(times.size() / 2) / 1e6;
            System.out.printf("flood on %s, client on %s: %d tries, %d served within %d ms, median %.1f ms, slowest %.1f ms;"
                    + " attacker opened %d connections (%d with half a frame), held up to %d at once, %d closed by"
                    + " the server; the bridge closed %d waiting connections to admit newer ones (%d during the"
                    + " tries); failures: %s%n", attacked, used, TRIES, served, WITHIN.toMillis(), median, slowest / 1e6,
                    flood.opened.get(), flood.halfFrames.get(), flood.peakHeld(), flood.closedByServer.get(),
                    bridge.evictedConnections(), evictedDuring, failures);

            assertTrue(served >= REQUIRED, served + " of " + TRIES + " tries served within " + WITHIN.toMillis()
                    + " ms; failures: " + failures);
            long counted = store.fetch("served", Long.class).orElse(0L);
            assertTrue(counted >= served && counted <= TRIES, "each served incr was applied, once: " + counted);
            assertTrue(flood.peakHeld() > bridge.options().maxConnections(), "the attacker held more connections ("
                    + flood.peakHeld() + ") than the limit of authenticated connections");
            assertTrue(flood.closedByServer.get() > limit && bridge.evictedConnections() > 0,
                    "the attacker's connections were closed to admit newer ones");
            assertTrue(evictedDuring > 0, "the flood went on while the client was served");
        } finally {
            flood.stop();
        }
    }

    /** Threads that open connections without a token as fast as they can, and reopen each the server closes. */
    private static final class Flood {
        final BridgeAddress address;
        final List<Thread> threads = new ArrayList<>();
        final AtomicLong opened = new AtomicLong();
        final AtomicLong halfFrames = new AtomicLong();
        final AtomicLong closedByServer = new AtomicLong();
        final AtomicLong connectFailures = new AtomicLong();
        final AtomicInteger held = new AtomicInteger();
        final AtomicInteger peak = new AtomicInteger();
        volatile boolean stopped;

        Flood(BridgeAddress address) {
            this.address = address;
        }

        void start() {
            for (int i = 0; i < ATTACKER_THREADS; i++) {
                Thread thread = new Thread(this::attack, "attacker-" + i);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
        }

        int peakHeld() {
            return peak.get();
        }

        private void attack() {
            Set<SocketChannel> mine = new HashSet<>();
            ByteBuffer scratch = ByteBuffer.allocate(1024);
            try (Selector selector = Selector.open()) {
                while (!stopped) {
                    if (mine.size() < HELD_PER_THREAD) {
                        SocketChannel channel = null;
                        try {
                            channel = address.isUnix() ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
                            channel.connect(address.toSocketAddress());
                            if (opened.incrementAndGet() % HALF_FRAME_EVERY == 0) {
                                // A frame of 50 bytes announced, 3 sent.
                                channel.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 50, (byte) 0x94, 0x01, (byte) 0xa5}));
                                halfFrames.incrementAndGet();
                            }
                            channel.configureBlocking(false);
                            channel.register(selector, SelectionKey.OP_READ);
                            mine.add(channel);
                            peak.accumulateAndGet(held.incrementAndGet(), Math::max);
                        } catch (IOException e) {
                            if (channel != null) {
                                channel.close();
                            }
                            connectFailures.incrementAndGet();
                            Thread.sleep(1);
                        }
                        selector.selectNow();
                    } else {
                        selector.select(10);
                    }
                    for (SelectionKey key : selector.selectedKeys()) {
                        SocketChannel channel = (SocketChannel) key.channel();
                        int read;
                        try {
                            scratch.clear();
                            read = channel.read(scratch);
                        } catch (IOException e) {
                            read = -1;
                        }
                        if (read < 0) {
                            key.cancel();
                            channel.close();
                            mine.remove(channel);
                            held.decrementAndGet();
                            closedByServer.incrementAndGet();
                        }
                    }
                    selector.selectedKeys().clear();
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                for (SocketChannel channel : mine) {
                    try {
                        channel.close();
                    } catch (IOException ignored) {
                        // Closing is all that is left.
                    }
                }
                held.addAndGet(-mine.size());
            }
        }

        /** Stops the attacker's threads, which close their connections; idempotent. */
        void stop() throws InterruptedException {
            stopped = true;
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(10));
                assertTrue(!thread.isAlive(), thread.getName() + " ends");
            }
        }
    }
}
