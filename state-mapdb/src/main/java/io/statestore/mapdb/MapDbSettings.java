package io.statestore.mapdb;

import io.statestore.spi.OptionsReader;
import io.statestore.spi.StoreOptions;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The checked options of a {@code mapdb:} URI; docs/mapdb.md describes each one.
 *
 * @param uri          the URI, for messages
 * @param file         the store file
 * @param mapName      the name of the map inside the file
 * @param durability   when writes are committed
 * @param commitWindow how often {@link Durability#GROUP} commits
 * @param mmap         whether MapDB memory-maps the file
 * @param fsync        whether a commit forces the file to the disk
 * @param lockWait     how long to wait for a file another process holds
 * @param create       whether a missing file is created
 * @param verify       whether every entry is read once on open, to refuse a damaged file at once
 */
record MapDbSettings(String uri, Path file, String mapName, Durability durability, Duration commitWindow,
        boolean mmap, boolean fsync, Duration lockWait, boolean create, boolean verify) {

    static final Durability DEFAULT_DURABILITY = Durability.SYNC;
    static final long DEFAULT_COMMIT_MILLIS = 100;

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
        Durability durability = reader.choice("durability", Durability.class, DEFAULT_DURABILITY);
        long commitMillis = reader.longValue("commitMillis", DEFAULT_COMMIT_MILLIS, 1, 60_000);
        boolean mmap = reader.bool("mmap", false);
        boolean fsync = reader.bool("fsync", true);
        long lockWaitMillis = reader.longValue("lockWaitMillis", 0, 0, 600_000);
        boolean create = reader.bool("create", true);
        boolean verify = reader.bool("verify", true);
        String givenDurability = reader.string("durability", null);
        boolean durabilityValid = givenDurability == null
                || givenDurability.replace('-', '_').equalsIgnoreCase(durability.name());
        if (reader.has("commitMillis") && durabilityValid && durability != Durability.GROUP) {
            reader.problem("commitMillis applies only to durability=group, not durability="
                    + durability.name().toLowerCase(java.util.Locale.ROOT) + "; drop it or set durability=group");
        }
        if (mapName.isEmpty()) {
            reader.problem("map is empty; give the map a name, such as map=" + MapDbStateStore.DEFAULT_MAP_NAME);
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
        return new MapDbSettings(options.uri(), file, mapName, durability, Duration.ofMillis(commitMillis), mmap,
                fsync, Duration.ofMillis(lockWaitMillis), create, verify);
    }
}
