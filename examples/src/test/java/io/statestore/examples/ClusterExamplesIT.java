package io.statestore.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two JVMs form one Hazelcast cluster through {@code hazelcast:} URIs that name each other and a private
 * file holding the cluster's secret, as docs/getting-started.md shows, and share counters: the Java example
 * on the module path, and Python workers attached to each JVM. The first JVM is started before the second
 * so that a loaded machine cannot make them elect two masters.
 */
class ClusterExamplesIT {

    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @TempDir
    static Path dir;

    /** A pair of member URIs on free loopback ports, in a cluster of their own with a secret of its own. */
    private static List<String> memberUris() throws IOException {
        Path secret = dir.resolve("cluster-" + UUID.randomUUID() + ".secret");
        Files.createFile(secret, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(secret, UUID.randomUUID() + "-" + UUID.randomUUID() + "\n");
        int first = ChildProcess.freePort();
        int second = ChildProcess.freePort();
        String common = "&members=127.0.0.1:" + first + ",127.0.0.1:" + second
                + "&joinTimeout=1&cluster=examples-" + UUID.randomUUID() + "&secretFile=" + secret;
        return List.of("hazelcast:?port=" + first + common, "hazelcast:?port=" + second + common);
    }

    private static List<String> sharedCounter(String uri) {
        return List.of(ChildProcess.java(), "-p", "target/mods", "-m",
                "io.statestore.examples/io.statestore.examples.SharedCounter", uri, "500", "2");
    }

    @Test
    @DisplayName("SharedCounter in two modular JVMs: both count 1000 on one clustered counter")
    void sharedCounterAcrossTwoJvms() throws IOException {
        List<String> uris = memberUris();
        try (ChildProcess.Running first = ChildProcess.start(sharedCounter(uris.get(0)));
             ChildProcess.Running second = startAfter(first, "added 500", sharedCounter(uris.get(1)))) {
            ChildProcess.Result a = first.await(TIMEOUT);
            ChildProcess.Result b = second.await(TIMEOUT);
            assertEquals(0, a.exitCode(), a.transcript());
            assertEquals(0, b.exitCode(), b.transcript());
            assertTrue(a.stdout().contains("counter = 1000\n"), a.transcript());
            assertTrue(b.stdout().contains("counter = 1000\n"), b.transcript());
            // The second JVM counted on top of the first one's 500: it joined the cluster.
            assertTrue(b.stdout().contains("added 500, counter was 1000 after my last increment"), b.transcript());
        }
    }

    @Test
    @DisplayName("word_count.py: Python workers on two clustered JVMs add up to exact shared totals")
    void pythonWorkersOnTwoJvms() throws IOException {
        List<String> uris = memberUris();
        List<String> common = List.of("python/word_count.py", "--run-id", "cluster", "--expect-workers", "4");
        List<String> secondArgs = new ArrayList<>(common);
        secondArgs.addAll(List.of("--first-index", "2"));
        try (ChildProcess.Running first = ChildProcess.start(
                     PythonExamplesIT.statestoreRun(uris.get(0), 2, common.toArray(String[]::new)));
             ChildProcess.Running second = startAfter(first, "counted 1200 words",
                     PythonExamplesIT.statestoreRun(uris.get(1), 2, secondArgs.toArray(String[]::new)))) {
            ChildProcess.Result a = first.await(TIMEOUT);
            ChildProcess.Result b = second.await(TIMEOUT);
            assertEquals(0, a.exitCode(), a.transcript());
            assertEquals(0, b.exitCode(), b.transcript());
            String both = a.stdout() + b.stdout();
            for (int worker = 0; worker < 4; worker++) {
                assertTrue(both.contains("worker " + worker + ": counted 1200 words in 100 lines"), both);
            }
            PythonExamplesIT.assertWordCountTotals(both, 4);
        }
    }

    private static ChildProcess.Running startAfter(ChildProcess.Running first, String text, List<String> command) {
        first.awaitStdout(text, TIMEOUT);
        return ChildProcess.start(command);
    }
}
