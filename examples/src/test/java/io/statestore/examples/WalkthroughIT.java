package io.statestore.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the walkthrough as a user does: a separate JVM on the module path built by {@code package}
 * ({@code target/mods}), with only {@code io.statestore.api} required by the example, so the backend is
 * found through its module's {@code provides}. Each store URI is one more value in the source below.
 */
class WalkthroughIT {

    private static final Path MODULE_PATH = Path.of("target", "mods");
    private static final String MAIN = "io.statestore.examples/io.statestore.examples.Walkthrough";

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

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"memory:"})
    @DisplayName("java -p target/mods -m io.statestore.examples/... URI prints the walkthrough and exits 0")
    void runsOnTheModulePath(String uri) throws Exception {
        assertTrue(Files.isDirectory(MODULE_PATH), MODULE_PATH + " is built by mvn package");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path stderr = Files.createTempFile("walkthrough", ".err");
        Process process = new ProcessBuilder(java.toString(), "-p", MODULE_PATH.toString(), "-m", MAIN, uri)
                .redirectError(stderr.toFile())
                .start();
        try {
            process.getOutputStream().close();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(2, TimeUnit.MINUTES), "the walkthrough did not finish");
            String err = Files.readString(stderr);
            assertEquals(0, process.exitValue(), "exit code; stderr:\n" + err + "\nstdout:\n" + out);
            assertEquals(expectedLines(uri), out.lines().toList(), "stderr:\n" + err);
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            deleteQuietly(stderr);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nosuch:", "memory:?unknown=1"})
    @DisplayName("a bad store URI makes the walkthrough exit 2 with the reason on stderr")
    void badUriFails(String uri) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-p", MODULE_PATH.toString(), "-m", MAIN, uri)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(2, TimeUnit.MINUTES), "the walkthrough did not finish");
            assertEquals(2, process.exitValue(), err);
            assertTrue(err.startsWith("walkthrough: "), err);
            assertTrue(err.contains("memory"), "the message lists the installed schemes or options: " + err);
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // a temp file left behind is harmless
        }
    }
}
