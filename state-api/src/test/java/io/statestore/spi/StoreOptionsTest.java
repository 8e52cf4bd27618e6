package io.statestore.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class StoreOptionsTest {

    private enum Durability { SYNC, GROUP_COMMIT, NONE }

    @Test
    @DisplayName("a URI is taken apart into a lower-case scheme, a target and query options")
    void parse() {
        StoreOptions options = StoreOptions.parse("MapDB:./data/state.db?durability=sync&commitMillis=50", Map.of());
        assertEquals("mapdb", options.scheme());
        assertEquals("./data/state.db", options.target());
        assertEquals(Map.of("durability", "sync", "commitMillis", "50"), options.asMap());
        assertEquals("MapDB:./data/state.db?durability=sync&commitMillis=50", options.uri());
        assertEquals("", StoreOptions.parse("memory:", Map.of()).target());
        assertEquals("name", StoreOptions.parse("memory:name?", Map.of()).target());
        assertThrows(UnsupportedOperationException.class, () -> options.asMap().put("x", "y"));
    }

    @Test
    @DisplayName("query values and the target are percent-decoded; a plus stays a plus")
    void percentDecoding() {
        StoreOptions options = StoreOptions.parse("mapdb:my%20dir/a+b.db?members=10.0.0.5%3A5701,h:1&x=a+b", Map.of());
        assertEquals("my dir/a+b.db", options.target());
        assertEquals("10.0.0.5:5701,h:1", options.asMap().get("members"));
        assertEquals("a+b", options.asMap().get("x"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StoreOptions.parse("mapdb:x?a=%zz", Map.of()))
                .getMessage().contains("percent-encoding"));
    }

    @Test
    @DisplayName("options from the map win over the query's; an option without a value is empty")
    void overrides() {
        StoreOptions options = StoreOptions.parse("mapdb:x?durability=sync&flag&&", Map.of("durability", "none",
                "backups", 2));
        assertEquals("none", options.asMap().get("durability"));
        assertEquals(2, options.asMap().get("backups"));
        assertEquals("", options.asMap().get("flag"));
        assertEquals(3, options.asMap().size());
    }

    @Test
    @DisplayName("a URI without a scheme, or with an option twice, is rejected with an example of the right form")
    void malformed() {
        for (String uri : List.of("state.db", ":x", "1x:y", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> StoreOptions.parse(uri, Map.of()), uri);
            assertTrue(e.getMessage().contains("is not a store URI") && e.getMessage().contains("memory:"),
                    e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StoreOptions.parse("m:x?a=1&a=2", Map.of()))
                .getMessage().contains("the option \"a\" appears twice"));
        assertThrows(IllegalArgumentException.class, () -> StoreOptions.of(URI.create("relative/path"), Map.of()));
    }

    @Test
    @DisplayName("a java.net.URI parses as its text does")
    void fromUri() {
        StoreOptions options = StoreOptions.of(URI.create("hazelcast:?members=127.0.0.1:5701&map=state"),
                Map.of("map", "other"));
        assertEquals("hazelcast", options.scheme());
        assertEquals("", options.target());
        assertEquals(Map.of("members", "127.0.0.1:5701", "map", "other"), options.asMap());
    }

    @Test
    @DisplayName("the reader returns typed values and defaults for absent options")
    void typedReading() {
        OptionsReader reader = StoreOptions.parse("x:?n=1_000&i=7&list=a,%20b,,c&on=yes&off=0&flag&mode=group-commit"
                + "&name=%20padded%20", Map.of("mapped", 3)).reader();
        assertEquals(1000, reader.longValue("n", 5, 0, 10_000));
        assertEquals(7, reader.intValue("i", 5, 0, 10));
        assertEquals(3, reader.intValue("mapped", 5, 0, 10));
        assertEquals(List.of("a", "b", "c"), reader.list("list"));
        assertTrue(reader.bool("on", false));
        assertFalse(reader.bool("off", true));
        assertTrue(reader.bool("flag", false), "?flag alone means true");
        assertEquals(Durability.GROUP_COMMIT, reader.choice("mode", Durability.class, Durability.SYNC));
        assertEquals("padded", reader.string("name", "default"));
        assertEquals(42, reader.longValue("absent", 42, 0, 100));
        assertEquals(Durability.NONE, reader.choice("absentChoice", Durability.class, Durability.NONE));
        assertEquals(List.of(), reader.list("absentList"));
        assertTrue(reader.has("n"));
        assertFalse(reader.has("absent"));
        reader.validate();
    }

    @Test
    @DisplayName("validate reports every problem at once: malformed values, out of range, unknown options")
    void allProblemsAtOnce() {
        OptionsReader reader = StoreOptions.parse("mapdb:f.db?commitMillis=soon&backups=99&sync=maybe"
                + "&durability=fast&durabilty=sync", Map.of()).reader();
        assertEquals(100, reader.longValue("commitMillis", 100, 1, 60_000));
        assertEquals(1, reader.intValue("backups", 1, 0, 6));
        assertTrue(reader.bool("sync", true));
        assertEquals(Durability.SYNC, reader.choice("durability", Durability.class, Durability.SYNC));
        reader.problem("custom problem found by the backend");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, reader::validate);
        String message = e.getMessage();
        for (String expected : List.of("commitMillis=soon is not a whole number; expected 1 to 60000",
                "backups=99 is out of range; expected 0 to 6", "sync=maybe is not a boolean",
                "durability=fast is not one of sync, group-commit, none", "unknown option \"durabilty\"",
                "custom problem found by the backend",
                "(mapdb options: commitMillis, backups, sync, durability)")) {
            assertTrue(message.contains(expected), () -> "missing \"" + expected + "\" in: " + message);
        }
    }

    @Test
    @DisplayName("a backend that reads no options says it takes none")
    void noOptions() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StoreOptions.parse("memory:x?size=10", Map.of()).reader().validate());
        assertTrue(e.getMessage().contains("unknown option \"size\"") && e.getMessage().contains("memory takes no options"),
                e.getMessage());
        StoreOptions.parse("memory:x", Map.of()).reader().validate();
    }
}
