package io.statestore.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the Python examples as the README tells users to: {@code statestore run} with real Python workers
 * on a real bridge, and checks that the shared totals are exact.
 */
class PythonExamplesIT {

    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    static List<String> statestoreRun(String storeUri, int workers, String... script) {
        List<String> command = new ArrayList<>(List.of(ChildProcess.java(), "-jar",
                ChildProcess.statestoreJar().toString(), "run", "--store", storeUri,
                "--workers", String.valueOf(workers), "--", ChildProcess.python()));
        command.addAll(List.of(script));
        return command;
    }

    /** The corpus rule of word_count.py, computed here independently of the workers. */
    static Map<String, Integer> expectedWordCounts(int lines) {
        String[] words = {"state", "shared", "worker", "python", "java", "counter", "cache", "result",
            "cluster", "file", "memory", "bridge", "atomic", "value", "key", "store"};
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < lines; i++) {
            for (int j = 0; j < 12; j++) {
                counts.merge(words[(i * 7 + j * j) % (4 + j)], 1, Integer::sum);
            }
        }
        return counts;
    }

    static void assertWordCountTotals(String output, int workers) {
        assertTrue(output.contains(workers + " workers, 400 lines, 4800 words, "), output);
        assertTrue(output.contains("check: shared word counters sum to 4800, workers reported 4800: exact"),
                output);
        expectedWordCounts(400).forEach((word, count) ->
                assertTrue(Pattern.compile("(?m)^(\\[worker \\d+\\] )?  " + word + " +" + count + "$")
                                .matcher(output).find(),
                        word + " should be counted " + count + " times in:\n" + output));
    }

    @Test
    @DisplayName("word_count.py: 4 workers on the embedded default print exact shared totals")
    void wordCountOnMemory() {
        ChildProcess.Result run = ChildProcess.run(statestoreRun("memory:", 4, "python/word_count.py"), TIMEOUT);
        assertEquals(0, run.exitCode(), run.transcript());
        for (int worker = 0; worker < 4; worker++) {
            assertTrue(run.stdout().contains("worker " + worker + ": counted 1200 words in 100 lines"),
                    run.transcript());
        }
        assertWordCountTotals(run.stdout(), 4);
    }

    @Test
    @DisplayName("word_count.py on a MapDB file: totals exact, and the file holds them after the run")
    void wordCountOnMapDb(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("state.db");
        ChildProcess.Result run = ChildProcess.run(
                statestoreRun("mapdb:" + file, 3, "python/word_count.py", "--run-id", "filed"), TIMEOUT);
        assertEquals(0, run.exitCode(), run.transcript());
        assertWordCountTotals(run.stdout(), 3);
        assertTrue(Files.size(file) > 0);
        ChildProcess.Result get = ChildProcess.run(List.of(ChildProcess.java(), "-jar",
                ChildProcess.statestoreJar().toString(), "get", "--store", "mapdb:" + file, "filed:lines"), TIMEOUT);
        assertEquals(0, get.exitCode(), get.transcript());
        assertEquals("400", get.stdout().strip());
    }

    @Test
    @DisplayName("pool_workers.py: a forked multiprocessing pool shares counters and results exactly")
    void poolWorkers() {
        ChildProcess.Result run = ChildProcess.run(statestoreRun("memory:", 1, "python/pool_workers.py"), TIMEOUT);
        assertEquals(0, run.exitCode(), run.transcript());
        assertTrue(run.stdout().contains("pool of 4 processes squared 200 numbers; shared counter says 200 done; "
                + "sum of squares 2646700; results match: True"), run.stdout());
    }

    @Test
    @DisplayName("rate_limiter.py: a shared quota grants exactly its limit; the shared cache agrees")
    void rateLimiter() {
        ChildProcess.Result run = ChildProcess.run(statestoreRun("memory:", 3, "python/rate_limiter.py"), TIMEOUT);
        assertEquals(0, run.exitCode(), run.transcript());
        assertTrue(run.stdout().contains("quota: 100 of 180 requests granted (limit 100); "
                + "cache: 3 of 3 workers saw the same values"), run.stdout());
    }
}
