package io.statestore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API as a modular application sees it: an application that requires only {@code io.statestore.api}
 * compiles with every lint warning on and turned into an error, so the API exposes no type of a module the
 * application does not read (msgpack-core, an automatic module, is the API's own business).
 */
class ModularAppTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("an application requiring only io.statestore.api compiles with -Xlint:all -Werror")
    void compilesWithEveryWarningAnError() throws Exception {
        Path source = dir.resolve("src");
        Path app = Files.createDirectories(source.resolve("app/example"));
        Files.writeString(source.resolve("app/module-info.java"), "module example.app {\n"
                + "    requires io.statestore.api;\n}\n");
        Files.writeString(app.resolve("Main.java"), "package example;\n\n"
                + "import io.statestore.StateStore;\nimport io.statestore.StateStores;\n"
                + "import io.statestore.value.ValueCodec;\nimport java.util.List;\n\n"
                + "/** Uses the API as an application does. */\npublic final class Main {\n"
                + "    private Main() {\n    }\n\n"
                + "    /**\n     * Stores and reads a value.\n     *\n     * @param args unused\n     */\n"
                + "    public static void main(String[] args) {\n"
                + "        try (StateStore store = StateStores.openDefault()) {\n"
                + "            store.store(\"k\", List.of(1L, \"two\"));\n"
                + "            byte[] bytes = ValueCodec.encode(store.fetch(\"k\").orElseThrow());\n"
                + "            System.out.println(ValueCodec.decode(bytes));\n        }\n    }\n}\n");
        Path javac = Path.of(System.getProperty("java.home"), "bin", "javac");
        assertTrue(Files.isExecutable(javac), "this test needs a JDK's javac: " + javac);
        List<String> command = new ArrayList<>(List.of(javac.toString(), "-Xlint:all", "-Werror", "--release", "17",
                "--module-path", modulePath(), "-d", dir.resolve("out").toString()));
        try (Stream<Path> files = Files.walk(source)) {
            files.filter(path -> path.toString().endsWith(".java")).forEach(path -> command.add(path.toString()));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "javac did not finish");
        assertEquals(0, process.exitValue(), "javac said: " + output);
        assertTrue(output.isBlank(), "javac warned: " + output);
    }

    /** The API's classes and msgpack-core's jar, wherever this test runs them from. */
    private static String modulePath() {
        List<String> entries = new ArrayList<>();
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            String value = System.getProperty(property);
            if (value == null) {
                continue;
            }
            for (String entry : value.split(File.pathSeparator)) {
                boolean api = entry.replace('\\', '/').endsWith("state-api/target/classes");
                if ((api || entry.contains("msgpack-core")) && !entries.contains(entry)) {
                    entries.add(entry);
                }
            }
        }
        assertEquals(2, entries.size(), "found the API's classes and msgpack-core: " + entries);
        return String.join(File.pathSeparator, entries);
    }

    @Test
    @DisplayName("no public or protected member of an exported package names a msgpack-core type")
    void exportedPackagesNameNoMsgpackType() throws Exception {
        Module api = StateStore.class.getModule();
        List<String> offenders = new ArrayList<>();
        for (String pkg : List.of("io.statestore", "io.statestore.spi", "io.statestore.value")) {
            if (api.isNamed()) {
                assertTrue(api.isExported(pkg), pkg + " is exported");
            }
            Path folder = Path.of(StateStore.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .resolve(pkg.replace('.', '/'));
            try (Stream<Path> files = Files.list(folder)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    String name = file.getFileName().toString();
                    if (!name.endsWith(".class") || name.equals("package-info.class")) {
                        continue;
                    }
                    Class<?> type = Class.forName(pkg + "." + name.substring(0, name.length() - 6));
                    for (java.lang.reflect.Method method : type.getDeclaredMethods()) {
                        int modifiers = method.getModifiers();
                        if ((java.lang.reflect.Modifier.isPublic(modifiers)
                                || java.lang.reflect.Modifier.isProtected(modifiers))
                                && method.toGenericString().contains("org.msgpack")) {
                            offenders.add(method.toGenericString());
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), offenders, "API members that expose msgpack-core");
    }
}
