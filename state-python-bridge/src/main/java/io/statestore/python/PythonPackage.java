package io.statestore.python;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.CodeSource;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The Python package bundled as resources under {@value #RESOURCE_ROOT}, extracted once per process to a
 * private temporary directory that {@code PYTHONPATH} can name. Works from a jar (plain or shaded) and from
 * a directory of classes.
 */
final class PythonPackage {

    /** Where the build puts {@code src/main/python} in the jar. */
    static final String RESOURCE_ROOT = "io/statestore/python/package/";

    private static Path directory;

    private PythonPackage() {
    }

    /**
     * Returns the directory holding the extracted package, extracting it on the first call.
     *
     * @return a directory to put on {@code PYTHONPATH}
     * @throws UncheckedIOException if the resources cannot be found or written
     */
    static synchronized Path directory() {
        if (directory == null) {
            try {
                directory = extract();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract the bundled statestore Python package: "
                        + e.getMessage(), e);
            }
        }
        return directory;
    }

    private static Path extract() throws IOException {
        Path target = Files.createTempDirectory("statestore-python-");
        // A hook rather than deleteOnExit: Python may add __pycache__ directories that deleteOnExit would not
        // know of, and a non-empty directory would stay behind.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(target), "statestore-python-cleanup"));
        Path codeLocation = codeLocation();
        if (Files.isDirectory(codeLocation)) {
            copyTree(codeLocation.resolve(RESOURCE_ROOT), target);
        } else {
            try (FileSystem jar = FileSystems.newFileSystem(codeLocation, (ClassLoader) null)) {
                copyTree(jar.getPath("/" + RESOURCE_ROOT), target);
            }
        }
        return target;
    }

    private static Path codeLocation() throws IOException {
        CodeSource source = PythonPackage.class.getProtectionDomain().getCodeSource();
        URL location = source == null ? null : source.getLocation();
        if (location == null) {
            throw new IOException("the location of the statestore classes is unknown");
        }
        try {
            return Path.of(location.toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IOException("cannot read the statestore classes at " + location + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // Best effort at exit; the temporary directory is the system's to clean otherwise.
        }
    }

    private static void copyTree(Path root, Path target) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("the Python package is missing from " + root.toUri()
                    + "; the build puts src/main/python there");
        }
        List<Path> sources;
        try (Stream<Path> walk = Files.walk(root)) {
            sources = walk.sorted().collect(Collectors.toList());
        }
        for (Path source : sources) {
            String relative = root.relativize(source).toString();
            if (relative.isEmpty() || relative.contains("__pycache__")) {
                continue;
            }
            Path destination = target.resolve(relative.replace(source.getFileSystem().getSeparator(), "/"));
            if (Files.isDirectory(source)) {
                Files.createDirectories(destination);
            } else {
                try (InputStream in = Files.newInputStream(source)) {
                    Files.copy(in, destination, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
