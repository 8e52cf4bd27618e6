package io.statestore.python;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import java.io.File;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Java and real Python processes share values through a bridge. Each Python process gets only the
 * environment {@link StateBridge#environment()} returns, so these tests also prove that the bundled package
 * is extracted and found through {@code PYTHONPATH}.
 */
class CrossLanguageTest {

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

    /** Runs {@code python3 -c code} with the bridge's environment; returns its output, failing on a non-zero exit. */
    static String python(Map<String, String> environment, String code) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("python3", "-c", code).redirectErrorStream(true);
        builder.environment().remove("PYTHONPATH");
        builder.environment().putAll(environment);
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process process = builder.start();
        try {
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "python finished");
            String text = new String(output, StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), "python failed:\n" + text);
            return text;
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    @DisplayName("the environment names the bridge and a PYTHONPATH whose first entry holds the bundled package")
    void environmentLeadsToTheBundledPackage() throws Exception {
        Map<String, String> environment = bridge.environment();
        assertEquals(bridge.address().toString(), environment.get(StateBridge.ADDRESS_VARIABLE));
        assertEquals(bridge.token(), environment.get(StateBridge.TOKEN_VARIABLE));
        String packageDirectory = environment.get("PYTHONPATH").split(File.pathSeparator)[0];
        assertTrue(new File(packageDirectory, "statestore/__init__.py").isFile(), packageDirectory);
        String output = python(environment, "import statestore; print(statestore.__file__)");
        assertTrue(output.trim().startsWith(packageDirectory), output);
    }

    @Test
    @DisplayName("Java stores Map.of(\"count\", 100) and Python reads {'count': 100}")
    void javaWritesPythonReads() throws Exception {
        store.store("config", Map.of("count", 100));
        store.store("blob", new byte[] {0, (byte) 0xff});
        store.store("huge", new BigInteger("2").pow(100));
        String output = python(bridge.environment(), String.join("\n",
                "from statestore import state_get",
                "value = state_get('config')",
                "assert value == {'count': 100}, value",
                "assert type(value['count']) is int",
                "assert state_get('blob') == b'\\x00\\xff', state_get('blob')",
                "assert state_get('huge') == 2 ** 100, state_get('huge')",
                "assert state_get('missing', 'default') == 'default'",
                "print('read', value)"));
        assertTrue(output.contains("read {'count': 100}"), output);
    }

    @Test
    @DisplayName("Python stores {'message': 'hi', 'numbers': [1, 2, 3]} and Java reads a Map with a List of Longs")
    void pythonWritesJavaReads() throws Exception {
        python(bridge.environment(), String.join("\n",
                "from statestore import state_set, state_incr",
                "state_set('from_python', {'message': 'hi', 'numbers': [1, 2, 3]})",
                "state_set('big', -(2 ** 80))",
                "state_incr('visits', 7)"));
        Map<?, ?> value = store.fetch("from_python", Map.class).orElseThrow();
        assertEquals("hi", value.get("message"));
        assertEquals(List.of(1L, 2L, 3L), value.get("numbers"));
        assertTrue(((List<?>) value.get("numbers")).stream().allMatch(Long.class::isInstance));
        assertEquals(BigInteger.TWO.pow(80).negate(), store.fetch("big").orElseThrow());
        assertEquals(7L, store.fetch("visits").orElseThrow());
        assertArrayEquals(new Object[] {"message", "numbers"}, value.keySet().toArray(), "key order is kept");
    }

    @Test
    @DisplayName("the Python client reaches a TCP bridge as well")
    void pythonOverTcp() throws Exception {
        try (StateBridge tcp = StateBridge.start(store, BridgeOptions.builder().tcpLoopback(0).build())) {
            store.store("over", "tcp");
            String output = python(tcp.environment(), String.join("\n",
                    "import os",
                    "from statestore import state_get",
                    "assert os.environ['STATESTORE_ADDRESS'].startswith('tcp:127.0.0.1:')",
                    "print(state_get('over'))"));
            assertEquals("tcp", output.trim());
        }
    }
}
