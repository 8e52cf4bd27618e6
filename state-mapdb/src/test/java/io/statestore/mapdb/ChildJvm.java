package io.statestore.mapdb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started from a test with the test's own class path, running a main class of the tests. Its stdout
 * and stderr go to files rather than pipes: what the child wrote before it was killed is all in the file,
 * whereas a pipe read while the JDK drains it on the child's exit can fail with "Stream closed" and lose
 * the last lines.
 */
final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private ChildJvm(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static ChildJvm start(Class<?> mainClass, String... args) throws IOException {
        Path stdout = Files.createTempFile("child-jvm", ".stdout");
        Path stderr = Files.createTempFile("child-jvm", ".stderr");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile()).start();
        return new ChildJvm(process, stdout, stderr);
    }

    /** Waits until a line starting with the prefix has been written, and returns it. */
    String awaitLine(String prefix, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            for (String line : lines()) {
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new AssertionError("no line starting with \"" + prefix + "\" from the child within "
                        + timeoutMillis + " ms" + (process.isAlive() ? "" : " (it exited)") + "; it printed "
                        + lines() + "; stderr: " + stderr());
            }
            Thread.sleep(10);
        }
    }

    /** Kills the child with SIGKILL and returns its exit status. */
    int killHard() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the child " + process.pid() + " did not die");
        }
        return process.exitValue();
    }

    /** Waits for the child to end on its own and returns its exit status. */
    int awaitExit(long timeoutMillis) throws InterruptedException {
        if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the child did not exit within " + timeoutMillis + " ms; it printed "
                    + lines() + "; stderr: " + stderr());
        }
        return process.exitValue();
    }

    /** The complete lines written so far (a last line without its line feed is left out). */
    List<String> lines() {
        String text;
        try {
            text = Files.readString(stdout, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("cannot read the child's output: " + e, e);
        }
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n", -1));
    }

    String stderr() {
        try {
            return Files.readString(stderr);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(stdout);
        Files.deleteIfExists(stderr);
    }
}
