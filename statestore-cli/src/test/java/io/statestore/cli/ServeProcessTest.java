package io.statestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.statestore.python.BridgeAddress;
import io.statestore.python.BridgeClient;
import io.statestore.python.BridgeException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code statestore serve} and {@code run} as users run them, in child JVMs: one server per socket path, the
 * token from a file or the environment and never on the command line, and the exit status after a signal.
 */
class ServeProcessTest {

    private static final Duration EXIT_WAIT = Duration.ofSeconds(30);
    private static final int SIGHUP = 1;
    private static final int SIGINT = 2;

    @TempDir
    Path directory;

    private Path tokenFile(String token) throws Exception {
        Path file = directory.resolve("token");
        Files.writeString(file, token + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /** The whole command line: /proc first, since the JDK's ProcessHandle.Info cuts a long one short. */
    private static String commandLine(long pid) {
        return readCmdline(pid).or(() -> ProcessHandle.of(pid).flatMap(handle -> handle.info().commandLine()))
                .orElseThrow();
    }

    private static Optional<String> readCmdline(long pid) {
        try {
            return Optional.of(Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' '));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    @Test
    @Timeout(180)
    @DisplayName("ten serve processes started at once on one socket path: one serves, nine exit 1 saying the path is taken, and the socket stays intact")
    void oneServerPerSocketPath() throws Exception {
        Path socket = directory.resolve("shared.sock");
        String token = "ten-servers-token";
        Path tokenFile = tokenFile(token);
        List<CommandProcess> servers = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                servers.add(CommandProcess.start(directory, "serve-" + i, Map.of(), "serve", "--store", "memory:",
                        "--unix", socket.toString(), "--token-file", tokenFile.toString()));
            }
            CommandProcess winner = null;
            List<CommandProcess> losers = new ArrayList<>();
            for (CommandProcess server : servers) {
                if (server.awaitReady().isPresent()) {
                    assertTrue(winner == null, "a second server is ready: " + server.stdout());
                    winner = server;
                } else {
                    losers.add(server);
                }
            }
            assertTrue(winner != null, "one server is ready");
            assertEquals(9, losers.size());
            for (CommandProcess loser : losers) {
                assertEquals(1, loser.awaitExit(EXIT_WAIT), "exit status of a second server");
                String err = loser.stderr();
                // The pid is there unless the loser looked between the winner's lock and its writing the pid.
                assertTrue(err.contains("statestore serve: cannot serve on " + socket + ": another server")
                        && err.contains("is serving there") && !err.contains("(pid " + loser.pid() + ")"), err);
            }
            Object inode = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            try (BridgeClient client = BridgeClient.connect(BridgeAddress.unix(socket), token)) {
                assertEquals(1L, client.incr("served", 1), "the one server serves");
            }
            assertEquals(inode, Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey(),
                    "the socket file is the winner's, untouched");
            winner.signal("TERM");
            assertEquals(0, winner.awaitExit(EXIT_WAIT));
            assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the socket is removed at the end");
        } finally {
            for (CommandProcess server : servers) {
                server.close();
            }
        }
    }

    @Test
    @DisplayName("serve --metrics publishes requests by op, errors by code, connections and entries in the Prometheus text format")
    void metrics() throws Exception {
        Path socket = directory.resolve("metrics.sock");
        try (CommandProcess server = CommandProcess.start(directory, "metrics", Map.of(), "serve", "--store", "memory:",
                "--unix", socket.toString(), "--token", "t", "--metrics", "127.0.0.1:0")) {
            List<String> lines = server.awaitReady().orElseThrow(() -> new AssertionError(stderrOf(server)));
            String url = CommandProcess.value(lines, "STATESTORE_METRICS").orElseThrow();
            assertTrue(url.startsWith("http://127.0.0.1:") && url.endsWith("/metrics"), url);
            try (BridgeClient client = BridgeClient.connect(BridgeAddress.unix(socket), "t")) {
                for (int i = 0; i < 3; i++) {
                    client.incr("n", 1);
                }
                client.store("s", "text");
                assertThrows(RuntimeException.class, () -> client.incr("s", 1));
                String scraped = scrape(url);
                assertTrue(scraped.contains("statestore_requests_seconds_count{op=\"incr\"} 4"), scraped);
                assertTrue(scraped.contains("statestore_requests_seconds_count{op=\"set\"} 1"), scraped);
                assertTrue(scraped.contains("statestore_request_latency_seconds_bucket{op=\"incr\",le=\"2.5E-5\"}"),
                        "a latency histogram: " + scraped);
                assertTrue(scraped.contains("statestore_errors_total{code=\"WRONG_TYPE\"} 1.0"), scraped);
                assertTrue(scraped.contains("statestore_connections 1.0"), scraped);
                assertTrue(scraped.contains("statestore_entries 2.0"), scraped);
                client.incr("n", 1);
                assertTrue(scrape(url).contains("statestore_requests_seconds_count{op=\"incr\"} 5"), "counts move");
            }
        }
    }

    private static String scrape(String url) throws Exception {
        try (var in = java.net.URI.create(url).toURL().openStream()) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    @DisplayName("serve takes every option from STATESTORE_* variables (store, socket, token file, limits); the command line wins")
    void configuredFromTheEnvironment() throws Exception {
        String token = "token-from-a-file-named-in-the-environment";
        Path tokenFile = tokenFile(token);
        Path socket = directory.resolve("env.sock");
        Map<String, String> environment = Map.of("STATESTORE_STORE", "memory:", "STATESTORE_UNIX", socket.toString(),
                "STATESTORE_TOKEN_FILE", tokenFile.toString(), "STATESTORE_MAX_CONNECTIONS", "1");
        try (CommandProcess server = CommandProcess.start(directory, "environment", environment, "serve")) {
            List<String> lines = server.awaitReady().orElseThrow(() -> new AssertionError(stderrOf(server)));
            assertEquals(Optional.of("unix:" + socket), CommandProcess.value(lines, "STATESTORE_ADDRESS"));
            try (BridgeClient first = BridgeClient.connect(BridgeAddress.unix(socket), token)) {
                assertEquals(1L, first.incr("served", 1));
                BridgeException busy = assertThrows(BridgeException.class,
                        () -> BridgeClient.connect(BridgeAddress.unix(socket), token).close());
                assertTrue(busy.getMessage().contains("SERVER_BUSY") || busy.getMessage().contains("connections"),
                        "STATESTORE_MAX_CONNECTIONS=1 is the limit: " + busy.getMessage());
            }
        }
        Path other = directory.resolve("flag.sock");
        try (CommandProcess server = CommandProcess.start(directory, "flags", environment, "serve", "--unix",
                other.toString(), "--token", "from-the-command-line")) {
            List<String> lines = server.awaitReady().orElseThrow(() -> new AssertionError(stderrOf(server)));
            assertEquals(Optional.of("unix:" + other), CommandProcess.value(lines, "STATESTORE_ADDRESS"));
            try (BridgeClient client = BridgeClient.connect(BridgeAddress.unix(other), "from-the-command-line")) {
                client.ping();
            }
        }
        try (CommandProcess server = CommandProcess.start(directory, "nostore", Map.of(), "serve")) {
            assertEquals(2, server.awaitExit(EXIT_WAIT), "no store anywhere is a usage error");
            assertTrue(server.stderr().contains("STATESTORE_STORE"), server.stderr());
        }
    }

    @Test
    @Timeout(120)
    @DisplayName("serve takes the token from --token-file or STATESTORE_TOKEN, never prints it, and keeps it off its command line")
    void tokenFromFileOrEnvironment() throws Exception {
        String fileToken = "token-from-a-file";
        String environmentToken = "token-from-the-environment";
        Path tokenFile = tokenFile(fileToken);
        try (CommandProcess fromFile = CommandProcess.start(directory, "file", Map.of(), "serve", "--store", "memory:",
                     "--tcp", "127.0.0.1:0", "--token-file", tokenFile.toString());
             CommandProcess fromEnvironment = CommandProcess.start(directory, "env",
                     Map.of("STATESTORE_TOKEN", environmentToken), "serve", "--store", "memory:", "--tcp", "127.0.0.1:0")) {
            for (CommandProcess server : List.of(fromFile, fromEnvironment)) {
                String token = server == fromFile ? fileToken : environmentToken;
                List<String> lines = server.awaitReady().orElseThrow(() -> new AssertionError(stderrOf(server)));
                assertEquals(Optional.empty(), CommandProcess.value(lines, "STATESTORE_TOKEN"), "a given token is not printed");
                BridgeAddress address = BridgeAddress.parse(CommandProcess.value(lines, "STATESTORE_ADDRESS").orElseThrow());
                try (BridgeClient client = BridgeClient.connect(address, token)) {
                    client.store("k", "v");
                }
                assertThrows(BridgeException.class, () -> BridgeClient.connect(address, "wrong-token").close());
                String commandLine = commandLine(server.pid());
                assertTrue(commandLine.contains("serve"), commandLine);
                assertFalse(commandLine.contains(token), "the token is not on the command line: " + commandLine);
            }
        }
    }

    @Test
    @Timeout(120)
    @DisplayName("SIGTERM and SIGINT stop serve cleanly with exit status 0: the socket is removed, the lock released")
    void stopSignalsExitZero() throws Exception {
        for (String signal : List.of("TERM", "INT")) {
            Path socket = directory.resolve(signal + ".sock");
            try (CommandProcess server = CommandProcess.start(directory, signal, Map.of(), "serve", "--store", "memory:",
                    "--unix", socket.toString())) {
                List<String> lines = server.awaitReady().orElseThrow(() -> new AssertionError(stderrOf(server)));
                String token = CommandProcess.value(lines, "STATESTORE_TOKEN").orElseThrow();
                try (BridgeClient client = BridgeClient.connect(BridgeAddress.unix(socket), token)) {
                    client.store("k", "v");
                }
                if (signal.equals("INT")) {
                    assumeFalse(server.ignores(SIGINT), "this test runs with SIGINT ignored (a background job), as"
                            + " its child does; the JVM keeps it so");
                }
                server.signal(signal);
                assertEquals(0, server.awaitExit(EXIT_WAIT), "exit status after SIG" + signal + "; stderr: "
                        + server.stderr());
                assertTrue(server.stderr().contains("SIG" + signal + " received; stopping"), server.stderr());
                assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the socket file is removed");
                assertEquals("", Files.readString(directory.resolve(signal + ".sock.lock")), "the lock is released");
            }
        }
    }

    @Test
    @Timeout(120)
    @DisplayName("SIGHUP ends serve with 129 after the same clean stop; after SIGKILL (137) the next serve replaces the stale socket")
    void otherSignals() throws Exception {
        Path socket = directory.resolve("other.sock");
        try (CommandProcess server = CommandProcess.start(directory, "hup", Map.of(), "serve", "--store", "memory:",
                "--unix", socket.toString())) {
            server.awaitReady().orElseThrow(() -> new AssertionError(stderrOf(server)));
            assumeFalse(server.ignores(SIGHUP), "this test runs with SIGHUP ignored (nohup), as its child does");
            server.signal("HUP");
            assertEquals(129, server.awaitExit(EXIT_WAIT), "stderr: " + server.stderr());
            assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the socket file is removed");
        }
        try (CommandProcess killed = CommandProcess.start(directory, "kill", Map.of(), "serve", "--store", "memory:",
                "--unix", socket.toString())) {
            killed.awaitReady().orElseThrow(() -> new AssertionError(stderrOf(killed)));
            killed.signal("KILL");
            assertEquals(137, killed.awaitExit(EXIT_WAIT));
            assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "a killed server leaves its socket");
        }
        try (CommandProcess next = CommandProcess.start(directory, "next", Map.of(), "serve", "--store", "memory:",
                "--unix", socket.toString())) {
            List<String> lines = next.awaitReady().orElseThrow(() -> new AssertionError(stderrOf(next)));
            try (BridgeClient client = BridgeClient.connect(BridgeAddress.unix(socket),
                    CommandProcess.value(lines, "STATESTORE_TOKEN").orElseThrow())) {
                client.ping();
            }
            next.signal("TERM");
            assertEquals(0, next.awaitExit(EXIT_WAIT));
        }
    }

    @Test
    @Timeout(120)
    @DisplayName("SIGTERM and SIGINT to run stop its workers; run exits with 143 and 130")
    void runStoppedBySignals() throws Exception {
        for (String signal : List.of("TERM", "INT")) {
            Path pidFile = directory.resolve("worker-" + signal + ".pid");
            String worker = "import os, time; open(" + pythonString(pidFile) + ", 'w').write(str(os.getpid()));"
                    + " time.sleep(120)";
            try (CommandProcess run = CommandProcess.start(directory, "run-" + signal, Map.of(), "run", "--store",
                    "memory:", "--workers", "1", "--", "python3", "-c", worker)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!(Files.exists(pidFile) && !Files.readString(pidFile).isEmpty()) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                long workerPid = Long.parseLong(Files.readString(pidFile).trim());
                if (signal.equals("INT")) {
                    assumeFalse(run.ignores(SIGINT), "this test runs with SIGINT ignored (a background job)");
                }
                run.signal(signal);
                assertEquals(signal.equals("TERM") ? 143 : 130, run.awaitExit(EXIT_WAIT), "stderr: " + run.stderr());
                Optional<ProcessHandle> left = ProcessHandle.of(workerPid);
                if (left.isPresent()) {
                    left.get().onExit().get(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    @Test
    @Timeout(120)
    @DisplayName("run's workers get the bridge's address and token, not the store's own secrets")
    void workersDoNotInheritStoreSecrets() throws Exception {
        Path seen = directory.resolve("worker-environment.txt");
        String worker = "import os; open(" + pythonString(seen) + ", 'w').write(' '.join(sorted(k for k in os.environ"
                + " if k.startswith('STATESTORE_'))))";
        try (CommandProcess run = CommandProcess.start(directory, "run-secrets",
                Map.of("STATESTORE_CLUSTER_SECRET", "a-cluster-secret-of-some-length"), "run", "--store", "memory:",
                "--workers", "1", "--", "python3", "-c", worker)) {
            assertEquals(0, run.awaitExit(EXIT_WAIT), "stderr: " + run.stderr());
        }
        List<String> variables = List.of(Files.readString(seen).split(" "));
        assertTrue(variables.containsAll(List.of("STATESTORE_ADDRESS", "STATESTORE_TOKEN")), variables.toString());
        assertFalse(variables.contains("STATESTORE_CLUSTER_SECRET"), variables.toString());
    }

    private static String pythonString(Path path) {
        return "'" + path.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static String stderrOf(CommandProcess process) {
        try {
            return "not ready; stderr: " + process.stderr();
        } catch (Exception e) {
            return "not ready";
        }
    }
}
