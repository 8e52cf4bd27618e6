package io.statestore.mapdb;

import java.util.Locale;
import java.util.Optional;

/**
 * When a write reaches the disk. Every write is recorded in the store's log (docs/mapdb.md, "How writes are
 * kept") and the mode says when the log is forced to the disk; after a crash the file reopens with every
 * write the log holds.
 *
 * <p>URI values are the constants' names in lower case with {@code -} between words ({@code every-write},
 * {@code interval}, {@code on-flush}). The names of earlier versions are aliases: {@code sync} is
 * {@link #EVERY_WRITE}, {@code group} is {@link #INTERVAL}, {@code none} is {@link #ON_FLUSH}.
 */
public enum Durability {

    /**
     * A write returns once it is on the disk: once a call has returned, its write survives a crash or a power
     * loss. Writers that arrive while the log is being forced share the next force, so concurrent writers pay
     * for fewer disk flushes than they make writes. The default.
     */
    EVERY_WRITE,

    /**
     * Writes return at once and the log is forced every interval ({@code intervalMillis}): a crash loses at
     * most the writes of the last interval (plus the time the force takes). {@link MapDbStateStore#flush()}
     * forces on demand.
     */
    INTERVAL,

    /**
     * Writes return at once and reach the disk at {@link MapDbStateStore#flush()}, at {@link
     * MapDbStateStore#close()}, or when a megabyte of them has accumulated: a crash loses at most the writes
     * since the last of these, but the file still reopens intact.
     */
    ON_FLUSH;

    /** The earlier name of {@link #EVERY_WRITE}, kept for code written against it. */
    public static final Durability SYNC = EVERY_WRITE;

    /** The earlier name of {@link #INTERVAL}, kept for code written against it. */
    public static final Durability GROUP = INTERVAL;

    /** The earlier name of {@link #ON_FLUSH}, kept for code written against it. */
    public static final Durability NONE = ON_FLUSH;

    /**
     * Returns the name a URI uses for this mode, such as {@code every-write}.
     *
     * @return the name
     */
    public String optionName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Finds the mode a URI names, case-insensitively, by its name or an earlier one.
     *
     * @param name such as {@code every-write}, {@code EVERY_WRITE} or {@code sync}
     * @return the mode, or empty if the name is none of them
     */
    public static Optional<Durability> named(String name) {
        String wanted = name.trim().replace('-', '_').toUpperCase(Locale.ROOT);
        switch (wanted) {
            case "SYNC":
                return Optional.of(EVERY_WRITE);
            case "GROUP":
                return Optional.of(INTERVAL);
            case "NONE":
                return Optional.of(ON_FLUSH);
            default:
                for (Durability mode : values()) {
                    if (mode.name().equals(wanted)) {
                        return Optional.of(mode);
                    }
                }
                return Optional.empty();
        }
    }
}
