package io.statestore.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Real python3 workers launched against a real bridge. */
class PythonWorkersTest {

    private StateStore store;
    private StateBridge bridge;

    @BeforeEach
    void start() throws Exception {
        store = TestBridges.freshStore();
        bridge = StateBridge.start(store, BridgeOptions.defaults());
    }

    @AfterEach
    void stop() {
        bridge.close();
        store.close();
    }

    @Test
    @DisplayName("three workers get their index and count, share the store, and have output and exit codes reported")
    void threeWorkers() throws Exception {
        List<String> out = new CopyOnWriteArrayList<>();
        List<String> err = new CopyOnWriteArrayList<>();
        Map<Integer, Integer> exits = new ConcurrentHashMap<>();
        String script = String.join("\n",
                "import os, sys",
                "from statestore import state_incr",
                "index = int(os.environ['STATESTORE_WORKER_INDEX'])",
                "count = int(os.environ['STATESTORE_WORKER_COUNT'])",
                "for _ in range(100):",
                "    state_incr('work.done')",
                "print(f'worker {index} of {count} done', flush=True)",
                "print(f'a warning from {index}', file=sys.stderr, flush=True)",
                "sys.exit(index)");
        try (PythonWorkers workers = PythonWorkers.builder(List.of("python3", "-c", script))
                .count(3)
                .environment(bridge.environment())
                .stdout(out::add)
                .stderr(err::add)
                .onExit(exits::put)
                .start()) {
            assertTrue(workers.waitFor(Duration.ofSeconds(60)), "workers finished");
            assertEquals(List.of(0, 1, 2), workers.exitStatuses());
            assertEquals(OptionalInt.of(2), workers.exitStatus(2));
        }
        assertEquals(Map.of(0, 0, 1, 1, 2, 2), exits);
        for (int index = 0; index < 3; index++) {
            assertTrue(out.contains("[worker " + index + "] worker " + index + " of 3 done"), out.toString());
            assertTrue(err.contains("[worker " + index + "] a warning from " + index), err.toString());
        }
        assertEquals(3, out.size(), out.toString());
        assertEquals(300L, store.fetch("work.done").orElseThrow(), "every increment of every worker counted");
    }

    @Test
    @DisplayName("close() kills a worker that ignores SIGTERM, after the grace period")
    void closeKillsHangingWorker() throws Exception {
        CountDownLatch ready = new CountDownLatch(1);
        String script = String.join("\n",
                "import signal, time",
                "signal.signal(signal.SIGTERM, signal.SIG_IGN)",
                "print('ready', flush=True)",
                "time.sleep(600)");
        PythonWorkers workers = PythonWorkers.builder(List.of("python3", "-c", script))
                .environment(bridge.environment())
                .gracePeriod(Duration.ofMillis(300))
                .stdout(line -> {
                    if (line.endsWith("ready")) {
                        ready.countDown();
                    }
                })
                .start();
        ProcessHandle process = workers.processes().get(0);
        try {
            assertTrue(ready.await(60, TimeUnit.SECONDS), "the worker started");
            assertFalse(workers.waitFor(Duration.ofMillis(200)), "the worker hangs");
            workers.close();
            assertFalse(process.isAlive(), "the worker is dead after close()");
            assertTrue(workers.exitStatus(0).isPresent());
            assertTrue(workers.exitStatus(0).getAsInt() != 0, "killed, not a clean exit");
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    @DisplayName("a command that cannot start is an IOException naming it, and no worker is left running")
    void commandThatCannotStart() {
        IOException failure = assertThrows(IOException.class, () ->
                PythonWorkers.builder(List.of("no-such-program-statestore")).count(2).start());
        assertTrue(failure.getMessage().contains("no-such-program-statestore"), failure.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PythonWorkers.builder(List.of()));
        assertThrows(IllegalArgumentException.class, () -> PythonWorkers.builder(List.of("python3")).count(0));
    }
}
