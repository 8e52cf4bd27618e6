package io.statestore.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The protocol is defined once per side: the Java table ({@link Operation}, {@link ErrorCode}, {@link Protocol}),
 * the Python package ({@code statestore.protocol}) and docs/protocol.md must say the same about every
 * operation (name, arguments, and in the docs their kinds and results), every error code, and the version.
 * Adding an op to one and not the others fails here, naming what is missing where.
 */
class ProtocolDriftTest {

    private static final Path DOCS = Path.of("..", "docs", "protocol.md");
    private static final Path PYTHON_PACKAGE = Path.of("src", "main", "python");
    private static final Pattern TABLE_ROW = Pattern.compile("^\\|(.*)\\|\\s*$");
    private static final Pattern ARGUMENT = Pattern.compile("`([a-z_]+)` \\(([^)]*)\\)");

    private static String docs;
    private static PythonTable python;

    /** What the Python package says, as {@code python3 -m statestore protocol} prints it. */
    private record PythonTable(List<Long> versions, Map<String, Long> errorCodes, Map<String, List<String>> operations) {
    }

    @BeforeAll
    static void readDocs() throws IOException {
        docs = Files.readString(DOCS, StandardCharsets.UTF_8);
    }

    private static synchronized PythonTable python() throws IOException, InterruptedException {
        if (python == null) {
            python = pythonTable();
        }
        return python;
    }

    /** Runs the package's own table through a little Python that prints it as lines this test reads. */
    private static PythonTable pythonTable() throws IOException, InterruptedException {
        String script = "import json, subprocess, sys\n"
                + "out = subprocess.run([sys.executable, '-m', 'statestore', 'protocol'], capture_output=True, text=True,"
                + " check=True).stdout\n"
                + "table = json.loads(out)\n"
                + "print('versions', *table['versions'])\n"
                + "for name, code in table['error_codes'].items(): print('code', name, code)\n"
                + "for op, args in table['operations'].items(): print('op', op, *args)\n";
        ProcessBuilder builder = new ProcessBuilder("python3", "-c", script).redirectErrorStream(true);
        builder.environment().put("PYTHONPATH", PYTHON_PACKAGE.toAbsolutePath().toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "python3 -m statestore protocol did not finish");
        assertEquals(0, process.exitValue(), "python3 -m statestore protocol failed: " + output);
        List<Long> versions = new ArrayList<>();
        Map<String, Long> codes = new TreeMap<>();
        Map<String, List<String>> operations = new TreeMap<>();
        for (String line : output.strip().split("\n")) {
            String[] parts = line.strip().split(" ");
            switch (parts[0]) {
                case "versions" -> Arrays.stream(parts).skip(1).map(Long::valueOf).forEach(versions::add);
                case "code" -> codes.put(parts[1], Long.valueOf(parts[2]));
                case "op" -> operations.put(parts[1], List.of(parts).subList(2, parts.length));
                default -> throw new AssertionError("unexpected line from the Python table: " + line);
            }
        }
        return new PythonTable(versions, codes, operations);
    }

    /** The rows of the first table after a heading, each a list of its cells (the header row left out). */
    private static List<List<String>> tableAfter(String heading) {
        int at = docs.indexOf("\n" + heading + "\n");
        assertTrue(at >= 0, "docs/protocol.md has no section \"" + heading + "\"");
        List<List<String>> rows = new ArrayList<>();
        boolean inTable = false;
        for (String line : docs.substring(at + heading.length() + 2).split("\n")) {
            Matcher row = TABLE_ROW.matcher(line);
            if (!row.matches()) {
                if (inTable) {
                    break;
                }
                continue;
            }
            inTable = true;
            List<String> cells = Arrays.stream(row.group(1).split("\\|", -1)).map(String::strip).toList();
            if (!cells.get(0).startsWith("---")) {
                rows.add(cells);
            }
        }
        return rows.subList(1, rows.size());
    }

    private static String unquote(String cell) {
        return cell.replace("`", "");
    }

    /** One op as the Java table writes it in the docs' format. */
    private static List<String> documented(Operation op) {
        String arguments = op.arguments().isEmpty() ? "none" : op.arguments().stream()
                .map(argument -> "`" + argument.name() + "` (" + argument.kind().description()
                        + (argument.optional() ? ", optional" : "") + ")")
                .collect(Collectors.joining(", "));
        return List.of("`" + op.wireName() + "`", arguments, op.result());
    }

    @Test
    @DisplayName("docs/protocol.md lists exactly the Java table's operations, with their arguments, kinds and results")
    void docsMatchTheJavaOperations() {
        Map<String, List<String>> inDocs = new LinkedHashMap<>();
        for (List<String> row : tableAfter("## Ops")) {
            inDocs.put(unquote(row.get(0)), row);
        }
        Map<String, List<String>> inJava = new LinkedHashMap<>();
        for (Operation op : Operation.values()) {
            inJava.put(op.wireName(), documented(op));
        }
        assertEquals(inJava.keySet(), inDocs.keySet(), "operations in Java (left) and docs/protocol.md (right)");
        inJava.forEach((name, row) -> assertEquals(row, inDocs.get(name), "the docs row of op " + name));
        for (List<String> row : inDocs.values()) {
            Matcher argument = ARGUMENT.matcher(row.get(1));
            while (argument.find()) {
                assertTrue(Arrays.stream(Operation.Kind.values()).anyMatch(kind ->
                        argument.group(2).replace(", optional", "").equals(kind.description())),
                        "unknown kind in the docs: " + argument.group(0));
            }
        }
    }

    @Test
    @DisplayName("the Python package sends exactly the Java table's operations, with the same arguments in order")
    void pythonMatchesTheJavaOperations() throws Exception {
        Map<String, List<String>> inJava = new TreeMap<>();
        for (Operation op : Operation.values()) {
            inJava.put(op.wireName(), op.arguments().stream().map(Operation.Argument::name).toList());
        }
        assertEquals(inJava, python().operations(), "operations and their arguments in Java (left) and in Python's"
                + " statestore.protocol (right)");
    }

    @Test
    @DisplayName("the error codes are the same in Java, Python and docs/protocol.md")
    void errorCodesMatch() throws Exception {
        Map<String, Long> inJava = new TreeMap<>();
        for (ErrorCode code : ErrorCode.values()) {
            inJava.put(code.name(), (long) code.code());
        }
        Map<String, Long> inDocs = new TreeMap<>();
        for (List<String> row : tableAfter("## Error codes")) {
            inDocs.put(unquote(row.get(1)), Long.valueOf(row.get(0)));
        }
        assertEquals(inJava, inDocs, "error codes in Java (left) and docs/protocol.md (right)");
        assertEquals(inJava, python().errorCodes(), "error codes in Java (left) and Python (right)");
    }

    @Test
    @DisplayName("the protocol version is the same in Java, Python and docs/protocol.md")
    void versionsMatch() throws Exception {
        Matcher documented = Pattern.compile("this document: `\\[([0-9, ]+)\\]`").matcher(docs);
        assertTrue(documented.find(), "docs/protocol.md names its versions as \"this document: `[1]`\"");
        List<Long> inDocs = Arrays.stream(documented.group(1).split(",")).map(String::strip).map(Long::valueOf)
                .toList();
        assertEquals(Protocol.VERSIONS, inDocs, "versions in Java (left) and docs/protocol.md (right)");
        assertEquals(Protocol.VERSIONS, python().versions(), "versions in Java (left) and Python (right)");
        assertTrue(docs.startsWith("# The statestore bridge protocol, version " + Protocol.VERSIONS.get(
                Protocol.VERSIONS.size() - 1) + "\n"), "the title names the version");
    }
}
