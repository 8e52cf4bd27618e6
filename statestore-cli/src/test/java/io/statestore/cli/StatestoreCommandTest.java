package io.statestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.python.BridgeAddress;
import io.statestore.python.BridgeClient;
import io.statestore.python.BridgeOptions;
import io.statestore.python.StateBridge;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The statestore command line, run in this JVM against a real bridge, and {@code serve} in a child JVM. */
class StatestoreCommandTest {

    @TempDir
    Path directory;

    private String storeName;
    private StateStore store;
    private StateBridge bridge;

    /** What one command printed and returned. */
    record Result(int status, String out, String err) {
    }

    @BeforeEach
    void start() throws Exception {
        storeName = "memory:cli-test-" + UUID.randomUUID();
        store = StateStores.open(storeName);
        bridge = StateBridge.start(store, BridgeOptions.defaults());
    }

    @AfterEach
    void stop() {
        bridge.close();
        store.close();
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = StatestoreCommand.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int status = commandLine.execute(args);
        return new Result(status, out.toString(), err.toString());
    }

    private Result atBridge(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add(1, "--address=" + bridge.address());
        all.add(2, "--token=" + bridge.token());
        return run(all.toArray(String[]::new));
    }

    @Test
    @DisplayName("set parses integers, floats, booleans and null (which removes), --string keeps text; get prints one value per line")
    void setAndGet() {
        assertEquals(0, atBridge("set", "int", "42").status());
        assertEquals(0, atBridge("set", "huge", "123456789012345678901234567890").status());
        assertEquals(0, atBridge("set", "float", "1.5e3").status());
        assertEquals(0, atBridge("set", "flag", "true").status());
        assertEquals(0, atBridge("set", "text", "hello world").status());
        assertEquals(0, atBridge("set", "--string", "zip", "01234").status());
        assertEquals(42L, store.fetch("int").orElseThrow());
        assertEquals(new BigInteger("123456789012345678901234567890"), store.fetch("huge").orElseThrow());
        assertEquals(1500.0, store.fetch("float").orElseThrow());
        assertEquals(true, store.fetch("flag").orElseThrow());
        assertEquals("hello world", store.fetch("text").orElseThrow());
        assertEquals("01234", store.fetch("zip").orElseThrow());
        assertEquals(0, atBridge("set", "text", "null").status());
        assertTrue(store.fetch("text").isEmpty(), "set KEY null removes the key");
        assertEquals(0, atBridge("set", "--string", "text", "null").status());
        assertEquals("null", store.fetch("text").orElseThrow());
        assertEquals(0, atBridge("set", "text", "hello world").status());
        assertEquals("42\n", atBridge("get", "int").out());
        assertEquals("hello world\n", atBridge("get", "text").out());
        assertEquals("1500.0\n", atBridge("get", "float").out());

        store.store("doc", Map.of("name", "a \"quoted\" name", "tags", List.of(1, "two", new byte[] {1})));
        String printed = atBridge("get", "doc").out().trim();
        assertTrue(printed.contains("\"name\": \"a \\\"quoted\\\" name\""), printed);
        assertTrue(printed.contains("\"tags\": [1, \"two\", \"base64:AQ==\"]"), printed);
    }

    @Test
    @DisplayName("get of an absent key exits 1 with a message on stderr and nothing on stdout")
    void getAbsent() {
        Result result = atBridge("get", "missing");
        assertEquals(1, result.status());
        assertEquals("", result.out());
        assertTrue(result.err().contains("no key \"missing\""), result.err());
    }

    @Test
    @DisplayName("incr prints the new value; keys prints sorted keys; del prints whether it removed")
    void incrKeysDel() {
        assertEquals("1\n", atBridge("incr", "hits").out());
        assertEquals("11\n", atBridge("incr", "hits", "10").out());
        assertEquals("8\n", atBridge("incr", "hits", "-3").out());
        store.store("user:b", 1L);
        store.store("user:a", 2L);
        assertEquals("user:a\nuser:b\n", atBridge("keys", "user:").out());
        assertEquals("hits\nuser:a\nuser:b\n", atBridge("keys").out());
        assertEquals("true\n", atBridge("del", "user:a").out());
        assertEquals("false\n", atBridge("del", "user:a").out());
        assertFalse(store.fetch("user:a").isPresent());
    }

    @Test
    @DisplayName("incr on a string fails with exit 1 and the store's message; the value stays")
    void incrOnString() {
        store.store("name", "ann");
        Result result = atBridge("incr", "name");
        assertEquals(1, result.status());
        assertTrue(result.err().startsWith("statestore incr: "), result.err());
        assertTrue(result.err().contains("name"), result.err());
        assertEquals("ann", store.fetch("name").orElseThrow());
    }

    @Test
    @DisplayName("--store opens the store directly, without a bridge")
    void directStore() {
        assertEquals(0, run("set", "--store", storeName, "direct", "7").status());
        assertEquals(7L, store.fetch("direct").orElseThrow());
        assertEquals("8\n", run("incr", "--store", storeName, "direct").out());
    }

    @Test
    @DisplayName("without --store, --address or the environment, a command exits 2 saying what to give")
    void noStoreGiven() {
        var environment = Environment.variables;
        try {
            Environment.variables = name -> null;
            Result result = run("get", "k");
            assertEquals(2, result.status());
            assertTrue(result.err().contains("--address") && result.err().contains("--store"), result.err());
        } finally {
            Environment.variables = environment;
        }
    }

    @Test
    @DisplayName("STATESTORE_ADDRESS and STATESTORE_TOKEN in the environment stand in for --address and --token")
    void bridgeFromEnvironment() {
        var environment = Environment.variables;
        try {
            Map<String, String> variables = bridge.environment();
            Environment.variables = variables::get;
            assertEquals(0, run("set", "from-env", "yes").status());
            assertEquals("yes\n", run("get", "from-env").out());
        } finally {
            Environment.variables = environment;
        }
    }

    @Test
    @DisplayName("ping exits 0 printing ok when the bridge answers, 1 naming the cause when it does not")
    void ping() throws Exception {
        Result answered = run("ping", "--address=" + bridge.address(), "--token=" + bridge.token());
        assertEquals(0, answered.status(), answered.err());
        assertEquals("ok\n", answered.out());
        Result refused = run("ping", "--address=" + bridge.address(), "--token=wrong");
        assertEquals(1, refused.status());
        assertTrue(refused.err().contains("statestore ping:") && refused.err().contains("refused"), refused.err());
        Path nowhere = Files.createTempDirectory("statestore-ping").resolve("none.sock");
        Result unreachable = run("ping", "--address=unix:" + nowhere, "--token=t");
        assertEquals(1, unreachable.status());
        assertTrue(unreachable.err().contains("statestore ping:"), unreachable.err());
        assertEquals(0, run("ping", "--store", "memory:").status());
    }

    @Test
    @DisplayName("ping with no options asks the bridge serve runs with this environment (STATESTORE_UNIX or"
            + " STATESTORE_TCP, STATESTORE_TOKEN_FILE): a container's health check")
    void pingTheServedBridge() throws Exception {
        Path tokenFile = Files.createTempDirectory("statestore-ping").resolve("token");
        Files.writeString(tokenFile, bridge.token() + "\n");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        var environment = Environment.variables;
        try {
            Environment.variables = Map.of("STATESTORE_UNIX", bridge.address().unixPath().toString(),
                    "STATESTORE_TOKEN_FILE", tokenFile.toString())::get;
            Result answered = run("ping");
            assertEquals(0, answered.status(), answered.err());
            Files.writeString(tokenFile, "wrong\n");
            Result refused = run("ping");
            assertEquals(1, refused.status());
            assertTrue(refused.err().contains("refused"), refused.err());
            Environment.variables = Map.of("STATESTORE_TCP", "0.0.0.0:1", "STATESTORE_TOKEN_FILE",
                    tokenFile.toString())::get;
            Result unreachable = run("ping");
            assertEquals(1, unreachable.status());
            assertTrue(unreachable.err().contains("127.0.0.1:1"), unreachable.err());
        } finally {
            Environment.variables = environment;
        }
    }

    @Test
    @DisplayName("set --ttl, ttl, expire and persist: a key's expiry from a terminal")
    void expiry() throws Exception {
        assertEquals(0, atBridge("set", "--ttl", "60", "session", "abc").status());
        double left = Double.parseDouble(atBridge("ttl", "session").out().strip());
        assertTrue(left > 59 && left <= 60, "seconds left: " + left);
        assertEquals("true\n", atBridge("persist", "session").out());
        assertEquals("none\n", atBridge("ttl", "session").out());
        assertEquals("true\n", atBridge("expire", "session", "0.3").out());
        assertEquals("false\n", atBridge("expire", "absent", "10").out());
        Thread.sleep(350);
        assertEquals("none\n", atBridge("ttl", "session").out());
        assertEquals(1, atBridge("get", "session").status(), "expired: absent");
        Result refused = atBridge("set", "--ttl", "0", "k", "v");
        assertEquals(1, refused.status());
        assertTrue(refused.err().contains("--ttl"), refused.err());
    }

    @Test
    @DisplayName("a wrong token fails with exit 1 and a message naming the refusal")
    void wrongToken() {
        Result result = run("get", "--address=" + bridge.address(), "--token=wrong", "k");
        assertEquals(1, result.status());
        assertTrue(result.err().contains("refused") && result.err().contains("wrong token"), result.err());
    }

    @Test
    @DisplayName("--help works for the command and every subcommand; --version prints the version")
    void helpAndVersion() {
        Result top = run("--help");
        assertEquals(0, top.status());
        for (String command : List.of("serve", "run", "ping", "get", "set", "incr", "keys", "del", "ttl", "expire",
                "persist")) {
            assertTrue(top.out().contains(command), top.out());
            Result help = run(command, "--help");
            assertEquals(0, help.status(), command);
            assertTrue(help.out().contains("Usage: statestore " + command), help.out());
        }
        Result version = run("--version");
        assertEquals(0, version.status());
        assertTrue(version.out().startsWith("statestore " + StateBridge.version()), version.out());
        assertEquals(2, run().status(), "no subcommand is a usage error");
    }

    @Test
    @DisplayName("run serves the store to N Python workers, reports each exit, and exits with 0 when all succeed")
    void runWorkers() {
        Result result = run("run", "--store", storeName, "--workers", "3", "--", "python3", "-c",
                "from statestore import state_incr; import os; state_incr('runs');"
                        + " print('worker says', os.environ['STATESTORE_WORKER_INDEX'])");
        assertEquals(0, result.status(), result.err());
        assertEquals(3L, store.fetch("runs").orElseThrow());
        for (int index = 0; index < 3; index++) {
            assertTrue(result.out().contains("[worker " + index + "] worker says " + index), result.out());
            assertTrue(result.err().contains("worker " + index + " exited with status 0"), result.err());
        }
        assertTrue(result.err().contains("(3 of 3 finished)"), result.err());
    }

    @Test
    @DisplayName("run --near-cache gives the workers' state_get a near cache of those prefixes")
    void runWithNearCache() {
        store.store("config:workers", 4L);
        Result result = run("run", "--store", storeName, "--workers", "2", "--near-cache", "config:", "--near-cache",
                "model:", "--", "python3", "-c",
                "import os, statestore; from statestore import state_get, default_client;"
                        + " assert state_get('config:workers') == 4;"
                        + " cache = default_client().near_cache;"
                        + " print('cached', os.environ['STATESTORE_NEAR_CACHE'], cache.prefixes, dict(cache.values))");
        assertEquals(0, result.status(), result.err());
        assertTrue(result.out().contains("cached config:,model: ('config:', 'model:') {'config:workers': 4}"),
                result.out());
    }

    @Test
    @DisplayName("run exits with the status of a failing worker, and with 124 after --timeout")
    void runFailureAndTimeout() {
        Result failed = run("run", "--store", storeName, "--workers", "2", "--", "python3", "-c",
                "import os, sys; sys.exit(3 if os.environ['STATESTORE_WORKER_INDEX'] == '1' else 0)");
        assertEquals(3, failed.status(), failed.err());
        Result slow = run("run", "--store", storeName, "--workers", "1", "--timeout", "1", "--", "python3", "-c",
                "import time; time.sleep(120)");
        assertEquals(RunCommand.TIMED_OUT, slow.status(), slow.err());
        assertTrue(slow.err().contains("stopping them"), slow.err());
    }

    @Test
    @DisplayName("serve in its own JVM prints the contract lines, serves, and on SIGTERM removes its socket file")
    void serveInChildJvm() throws Exception {
        Path socket = directory.resolve("serve.sock");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                StatestoreCommand.class.getName(), "serve", "--store", "memory:", "--unix", socket.toString(),
                "--tcp", "127.0.0.1:0").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String unixLine = lines.readLine();
            String tcpLine = lines.readLine();
            String tokenLine = lines.readLine();
            assertEquals("ready", lines.readLine());
            assertEquals("STATESTORE_ADDRESS=unix:" + socket, unixLine);
            assertTrue(tcpLine.matches("STATESTORE_ADDRESS=tcp:127\\.0\\.0\\.1:[0-9]+"), tcpLine);
            assertTrue(tokenLine.matches("STATESTORE_TOKEN=[A-Za-z0-9_-]{43}"), tokenLine);
            String token = tokenLine.substring("STATESTORE_TOKEN=".length());
            try (BridgeClient client = BridgeClient.connect(BridgeAddress.parse(tcpLine.substring(19)), token)) {
                client.store("k", "v");
            }
            try (BridgeClient client = BridgeClient.connect(BridgeAddress.parse(unixLine.substring(19)), token)) {
                assertEquals("v", client.fetch("k").orElseThrow());
            }
            process.destroy();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "serve stops on SIGTERM");
            assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the socket file is removed");
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    @DisplayName("serve with neither --unix nor --tcp serves a 0600 socket in a private 0700 directory, with --token not printed")
    void serveDefaultSocket() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                StatestoreCommand.class.getName(), "serve", "--store", "memory:", "--token", "given-token")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String addressLine = lines.readLine();
            assertEquals("ready", lines.readLine(), "no token line when the token was given");
            assertTrue(addressLine.startsWith("STATESTORE_ADDRESS=unix:"), addressLine);
            Path socket = BridgeAddress.parse(addressLine.substring(19)).unixPath();
            assertEquals("rw-------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)));
            assertEquals("rwx------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(socket.getParent())));
            try (BridgeClient client = BridgeClient.connect(BridgeAddress.unix(socket), "given-token")) {
                client.ping();
            }
            process.destroy();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "serve stops on SIGTERM");
            assertFalse(Files.exists(socket.getParent()), "the private directory is removed");
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    @DisplayName("serve with a bad option value or store URI exits 1 naming the problem; without --store it exits 2")
    void serveOptions() throws Exception {
        Result badTcp = run("serve", "--store", "memory:", "--tcp", "localhost");
        assertEquals(1, badTcp.status());
        assertTrue(badTcp.err().contains("HOST:PORT"), badTcp.err());
        Result badFrame = run("serve", "--store", "memory:", "--max-frame", "10");
        assertEquals(1, badFrame.status());
        assertTrue(badFrame.err().contains("max frame size"), badFrame.err());
        Result badStore = run("serve", "--store", "nosuch:x");
        assertEquals(1, badStore.status());
        assertTrue(badStore.err().contains("installed schemes"), badStore.err());
        assertEquals(2, run("serve").status(), "--store is required");
        assertEquals(2, run("serve", "--store", "memory:", "--max-connections", "many").status(), "not a number");
        Result zero = run("serve", "--store", "memory:", "--handshake-timeout", "0");
        assertEquals(1, zero.status());
        assertTrue(zero.err().contains("--handshake-timeout"), zero.err());
    }

    private Path privateFile(String name, String content, String mode) throws Exception {
        Path file = directory.resolve(name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    @Test
    @DisplayName("serve refuses a token file other users may read or write (exit 1, saying chmod 600), an empty or missing one (exit 1), and --token with --token-file (exit 2)")
    void tokenFileChecks() throws Exception {
        for (String mode : List.of("rw-r--r--", "rw----r--", "rw--w----", "rw-rw----")) {
            Path open = privateFile("open-" + mode, "secret\n", mode);
            Result refused = run("serve", "--store", "memory:", "--token-file", open.toString());
            assertEquals(1, refused.status(), mode);
            assertTrue(refused.err().contains("may be read or written by other users") && refused.err().contains("chmod 600"),
                    refused.err());
        }
        Path empty = privateFile("empty", "\n  \n", "rw-------");
        Result emptyResult = run("serve", "--store", "memory:", "--token-file", empty.toString());
        assertEquals(1, emptyResult.status());
        assertTrue(emptyResult.err().contains("holds no token"), emptyResult.err());
        Result missing = run("serve", "--store", "memory:", "--token-file", directory.resolve("nothing").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        Path good = privateFile("good", "secret\n", "r--------");
        Result both = run("serve", "--store", "memory:", "--token", "t", "--token-file", good.toString());
        assertEquals(2, both.status());
        assertTrue(both.err().contains("either --token or --token-file"), both.err());
        Result runBoth = run("run", "--store", "memory:", "--workers", "1", "--token", "t", "--token-file",
                good.toString(), "--", "true");
        assertEquals(2, runBoth.status(), "run checks the same");
    }

    @Test
    @DisplayName("run gives its workers the token of --token-file, or of STATESTORE_TOKEN")
    void runTokenSources() throws Exception {
        Path file = privateFile("run-token", "  file-token  \nsecond line ignored\n", "rw-------");
        Result fromFile = run("run", "--store", storeName, "--workers", "1", "--token-file", file.toString(), "--",
                "python3", "-c", "import os, sys; from statestore import state_incr; state_incr('runs');"
                        + " sys.exit(0 if os.environ['STATESTORE_TOKEN'] == 'file-token' else 5)");
        assertEquals(0, fromFile.status(), fromFile.err());
        var environment = Environment.variables;
        try {
            Environment.variables = name -> name.equals("STATESTORE_TOKEN") ? "environment-token" : null;
            Result fromEnvironment = run("run", "--store", storeName, "--workers", "1", "--", "python3", "-c",
                    "import os, sys; from statestore import state_incr; state_incr('runs');"
                            + " sys.exit(0 if os.environ['STATESTORE_TOKEN'] == 'environment-token' else 5)");
            assertEquals(0, fromEnvironment.status(), fromEnvironment.err());
        } finally {
            Environment.variables = environment;
        }
        assertEquals(2L, store.fetch("runs").orElseThrow(), "the workers reached the store with that token");
    }

    @Test
    @DisplayName("the client commands exit 0 on success, 1 on a failure (absent key, no bridge, refused token), 2 on a usage error")
    void clientExitCodes() {
        assertEquals(0, atBridge("set", "k", "1").status());
        assertEquals(0, atBridge("get", "k").status());
        assertEquals(0, atBridge("incr", "k").status());
        assertEquals(0, atBridge("keys").status());
        assertEquals(0, atBridge("del", "k").status());
        assertEquals(0, atBridge("del", "k").status(), "del of an absent key succeeds too");
        assertEquals(1, atBridge("get", "k").status(), "get of an absent key");
        Result unreachable = run("get", "--address=unix:" + directory.resolve("nobody.sock"), "--token=t", "k");
        assertEquals(1, unreachable.status());
        assertTrue(unreachable.err().contains("cannot connect"), unreachable.err());
        assertEquals(1, run("get", "--address=" + bridge.address(), "--token=wrong", "k").status());
        assertEquals(2, atBridge("get").status(), "a missing KEY");
        assertEquals(2, atBridge("incr", "k", "not-a-number").status(), "an AMOUNT that is not an integer");
        assertEquals(2, atBridge("keys", "--no-such-option").status(), "an unknown option");
    }
}
