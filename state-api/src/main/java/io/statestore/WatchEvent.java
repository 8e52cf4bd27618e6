package io.statestore;

import java.util.Objects;

/**
 * A change to a watched key, as {@link StateStore#watch} delivers it: the key was set (with its new value),
 * deleted, or expired; or {@link Kind#LOST}, which says that events may have been missed (a slow listener's
 * buffer overflowed, a connection was lost) and the watcher should read afresh what it needs.
 */
public final class WatchEvent {

    /** What happened. */
    public enum Kind {
        /** The key was stored, created or changed (by any operation that leaves it with a value). */
        SET,
        /** The key was removed (by {@code remove}, a {@code null} store, {@code compareAndSet} or {@code clear}). */
        DELETE,
        /** The key's time to live passed. */
        EXPIRE,
        /** Events may have been missed since the last one delivered; no key. */
        LOST
    }

    private static final WatchEvent LOST = new WatchEvent(Kind.LOST, null, null);

    private final Kind kind;
    private final String key;
    private final Object value;

    private WatchEvent(Kind kind, String key, Object value) {
        this.kind = kind;
        this.key = key;
        this.value = value;
    }

    /**
     * A key set to a value.
     *
     * @param key   the key
     * @param value its new value, safe to give a listener
     * @return the event
     */
    public static WatchEvent set(String key, Object value) {
        return new WatchEvent(Kind.SET, Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    }

    /**
     * A key removed.
     *
     * @param key the key
     * @return the event
     */
    public static WatchEvent delete(String key) {
        return new WatchEvent(Kind.DELETE, Objects.requireNonNull(key, "key"), null);
    }

    /**
     * A key expired.
     *
     * @param key the key
     * @return the event
     */
    public static WatchEvent expire(String key) {
        return new WatchEvent(Kind.EXPIRE, Objects.requireNonNull(key, "key"), null);
    }

    /**
     * The event that says events may have been missed.
     *
     * @return the event
     */
    public static WatchEvent lost() {
        return LOST;
    }

    /**
     * What happened.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * The key.
     *
     * @return the key; {@code null} for {@link Kind#LOST}
     */
    public String key() {
        return key;
    }

    /**
     * The key's new value.
     *
     * @return the value for {@link Kind#SET}; {@code null} otherwise
     */
    public Object value() {
        return value;
    }

    @Override
    public String toString() {
        return kind == Kind.LOST ? "LOST" : kind + " " + key + (kind == Kind.SET ? " = " + value : "");
    }
}
