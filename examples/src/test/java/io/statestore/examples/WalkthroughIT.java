package io.statestore.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the walkthrough as a user does: a separate JVM on the module path built by {@code package}
 * ({@code target/mods}), with only {@code io.statestore.api} required by the example, so the backend is
 * found through its module's {@code provides}. Each store URI is one more value in the source below.
 */
class WalkthroughIT {

    private static final Path MODULE_PATH = Path.of("target", "mods");
    private static final String MAIN = "io.statestore.examples/io.statestore.examples.Walkthrough";
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private static List<String> expectedLines(String uri) {
        return List.of(
                "opened " + uri,
                "store my_key = {data=[1, 2, 3]}",
                "fetch my_key = {data=[1, 2, 3]}",
                "fetch my_key data = [1, 2, 3] (Long)",
                "incr counter = 1",
                "incr counter 10 = 11",
                "decr counter = 10",
                "keys = [counter, my_key]",
                "remove my_key = true",
                "fetch my_key = (absent)",
                "remove counter = true");
    }

    static Stream<String> storeUris() throws IOException {
        Path file = Files.createTempDirectory("walkthrough").resolve("state.db");
        return Stream.of("memory:", "mapdb:" + file,
                "hazelcast:?port=" + ChildProcess.freePort() + "&interface=127.0.0.1&cluster=walkthrough-"
                        + UUID.randomUUID());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("storeUris")
    @DisplayName("java -p target/mods -m io.statestore.examples/... URI prints the walkthrough and exits 0")
    void runsOnTheModulePath(String uri) {
        assertTrue(Files.isDirectory(MODULE_PATH), MODULE_PATH + " is built by mvn package");
        ChildProcess.Result run = ChildProcess.run(walkthrough(uri), TIMEOUT);
        assertEquals(0, run.exitCode(), run.transcript());
        assertEquals(expectedLines(uri), run.stdout().lines().toList(), run.transcript());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nosuch:", "memory:?unknown=1"})
    @DisplayName("a bad store URI makes the walkthrough exit 2 with the reason on stderr")
    void badUriFails(String uri) {
        ChildProcess.Result run = ChildProcess.run(walkthrough(uri), TIMEOUT);
        assertEquals(2, run.exitCode(), run.transcript());
        assertTrue(run.stderr().startsWith("walkthrough: "), run.transcript());
        assertTrue(run.stderr().contains("memory"), "the message lists the installed schemes or options: "
                + run.transcript());
    }

    static List<String> walkthrough(String uri) {
        return List.of(ChildProcess.java(), "-p", MODULE_PATH.toString(), "-m", MAIN, uri);
    }
}
