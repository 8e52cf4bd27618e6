package io.statestore.mapdb;

import io.statestore.spi.OptionsReader;
import io.statestore.spi.StoreOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The checked options of a {@code mapdb:} URI; docs/mapdb.md describes each one.
 *
 * @param uri        the URI, for messages
 * @param file       the store file
 * @param mapName    the name of the map inside the file
 * @param durability when writes reach the disk
 * @param interval   how often {@link Durability#INTERVAL} forces the log
 * @param mmap       whether MapDB memory-maps the file
 * @param fsync      whether forces and commits reach the disk, not only the operating system
 * @param lockWait   how long to wait for a file another process holds
 * @param create     whether a missing file is created
 * @param verify     whether every entry is read once on open, to refuse a damaged file at once
 * @param modes      the permissions of the files and directories the store creates
 * @param checkpointBytes how many bytes of log records start a checkpoint
 * @param maxEntries the most keys the map may hold, or 0 for no limit
 */
record MapDbSettings(String uri, Path file, String mapName, Durability durability, Duration interval,
        boolean mmap, boolean fsync, Duration lockWait, boolean create, boolean verify, FileModes modes,
        long checkpointBytes, long maxEntries) {

    static final Durability DEFAULT_DURABILITY = Durability.EVERY_WRITE;
    static final long DEFAULT_INTERVAL_MILLIS = 100;
    static final long DEFAULT_CHECKPOINT_BYTES = 8L << 20;
    /** The earlier name of {@code intervalMillis}. */
    private static final String OLD_INTERVAL_OPTION = "commitMillis";

    /**
     * Reads and checks every option, reporting all problems at once.
     *
     * @param options the parsed URI and options
     * @return the settings
     * @throws IllegalArgumentException listing every problem
     */
    static MapDbSettings from(StoreOptions options) {
        OptionsReader reader = options.reader();
        String mapName = reader.string("map", MapDbStateStore.DEFAULT_MAP_NAME);
        Durability durability = durability(reader);
        String intervalOption = reader.has(OLD_INTERVAL_OPTION) && !reader.has("intervalMillis")
                ? OLD_INTERVAL_OPTION : "intervalMillis";
        if (reader.has(OLD_INTERVAL_OPTION) && reader.has("intervalMillis")) {
            reader.problem("intervalMillis and commitMillis (its earlier name) are both given; give one");
        }
        long intervalMillis = reader.longValue(intervalOption, DEFAULT_INTERVAL_MILLIS, 1, 60_000);
        boolean mmap = reader.bool("mmap", true);
        boolean fsync = reader.bool("fsync", true);
        long lockWaitMillis = reader.longValue("lockWaitMillis", 0, 0, 600_000);
        boolean create = reader.bool("create", true);
        boolean verify = reader.bool("verify", true);
        long checkpointBytes = reader.longValue("checkpointBytes", DEFAULT_CHECKPOINT_BYTES, 4096, 1L << 30);
        long maxEntries = reader.longValue("maxEntries", 0, 1, Long.MAX_VALUE);
        String mode = reader.string("fileMode", FileModes.DEFAULT);
        String modeProblem = FileModes.problem(mode);
        if (modeProblem != null) {
            reader.problem(modeProblem);
        }
        if (reader.has(intervalOption) && durability != null && durability != Durability.INTERVAL) {
            reader.problem(intervalOption + " applies only to durability=interval, not durability="
                    + durability.optionName() + "; drop it or set durability=interval");
        }
        if (mapName.isEmpty()) {
            reader.problem("map is empty; give the map a name, such as map=" + MapDbStateStore.DEFAULT_MAP_NAME);
        } else if (mapName.getBytes(StandardCharsets.UTF_8).length > OperationLog.MAX_MAP_NAME_BYTES) {
            reader.problem("map is longer than " + OperationLog.MAX_MAP_NAME_BYTES + " bytes of UTF-8");
        } else if (mapName.startsWith("statestore.")) {
            reader.problem("map=" + mapName + " starts with \"statestore.\", which names the store's own records"
                    + " in the file; choose another name");
        }
        Path file = null;
        String target = options.target();
        if (target.isBlank()) {
            reader.problem("no file given; expected mapdb:PATH, for example mapdb:./data/state.db");
        } else {
            try {
                file = Path.of(target);
            } catch (InvalidPathException e) {
                reader.problem("\"" + target + "\" is not a file path: " + e.getMessage());
            }
        }
        reader.validate();
        return new MapDbSettings(options.uri(), file, mapName, durability, Duration.ofMillis(intervalMillis), mmap,
                fsync, Duration.ofMillis(lockWaitMillis), create, verify, FileModes.parse(mode).orElseThrow(),
                checkpointBytes, maxEntries);
    }

    /** Reads the durability by its name or an earlier one; {@code null} after recording a problem. */
    private static Durability durability(OptionsReader reader) {
        String name = reader.string("durability", null);
        if (name == null) {
            return DEFAULT_DURABILITY;
        }
        return Durability.named(name).orElseGet(() -> {
            reader.problem("durability=" + name + " is not one of " + Arrays.stream(Durability.values())
                    .map(Durability::optionName).collect(Collectors.joining(", "))
                    + " (or their earlier names sync, group, none)");
            return null;
        });
    }
}
