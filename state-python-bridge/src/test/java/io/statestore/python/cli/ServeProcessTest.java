package io.statestore.python.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statestore.python.BridgeAddress;
import io.statestore.python.BridgeClient;
import io.statestore.python.BridgeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code statestore serve} as users run it, in a child JVM: the token from a file or the environment and
 * never on the command line.
 */
class ServeProcessTest {

    @TempDir
    Path directory;

    private Path tokenFile(String token) throws Exception {
        Path file = directory.resolve("token");
        Files.writeString(file, token + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static String commandLine(long pid) {
        return ProcessHandle.of(pid).flatMap(handle -> handle.info().commandLine())
                .or(() -> readCmdline(pid)).orElseThrow();
    }

    private static Optional<String> readCmdline(long pid) {
        try {
            return Optional.of(Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' '));
        } catch (Exception e) {
            return Optional.empty();
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

    private static String stderrOf(CommandProcess process) {
        try {
            return "not ready; stderr: " + process.stderr();
        } catch (Exception e) {
            return "not ready";
        }
    }
}
