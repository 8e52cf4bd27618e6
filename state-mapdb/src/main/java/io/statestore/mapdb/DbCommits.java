package io.statestore.mapdb;

import io.statestore.StateStoreException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.StoreDirectAbstract;
import org.mapdb.volume.ByteArrayVol;
import org.mapdb.volume.RandomAccessFileVol;
import org.mapdb.volume.VolumeFactory;

/**
 * Commits of a {@code DB} the store wraps: the caller made it, so the store has no log beside it, and a force
 * is a MapDB commit of the whole {@code DB}, taken while no change is half applied. Such a {@code DB} keeps the
 * crash behaviour its maker gave it (docs/mapdb.md, "Wrapping a DB you already have").
 *
 * <p>Its volumes may do I/O through an interruptible {@code FileChannel} (memory-mapped files, a
 * {@code FileChannel} volume), which an interrupted caller would close for everyone, so then every write and
 * commit runs on the store thread.
 */
final class DbCommits extends Commits {

    private final DB db;
    private final BTreeMap<String, byte[]> map;
    private final boolean shieldWrites;
    private final AtomicLong applied = new AtomicLong();

    DbCommits(DB db, BTreeMap<String, byte[]> map, Durability durability, Duration interval, StoreThread thread,
            String description) {
        super(durability, interval, thread, "the wrapped MapDB DB", description);
        this.db = db;
        this.map = map;
        this.shieldWrites = interruptibleIo(db);
    }

    /**
     * Tells whether MapDB's volumes for this DB may do I/O through an interruptible channel: all but the
     * random-access-file volume (the default for files) and the heap volume may.
     */
    private static boolean interruptibleIo(DB db) {
        if (db.getStore() instanceof StoreDirectAbstract) {
            VolumeFactory factory = ((StoreDirectAbstract) db.getStore()).getVolumeFactory();
            return factory != RandomAccessFileVol.FACTORY && factory != ByteArrayVol.FACTORY;
        }
        return true;
    }

    @Override
    <T> T shielded(Supplier<T> write) {
        return shieldWrites ? thread.call(write) : write.get();
    }

    @Override
    void reserve(int bound) {
        refuseWhileBroken();
    }

    @Override
    void release(int bound) {
    }

    @Override
    long record(Change change) {
        change.applyTo(map);
        return applied.incrementAndGet();
    }

    @Override
    long lastSeq() {
        return applied.get();
    }

    @Override
    long force() throws IOException {
        try {
            return shielded(() -> {
                gate.writeLock().lock();
                try {
                    long covered = applied.get();
                    db.commit();
                    return covered;
                } finally {
                    gate.writeLock().unlock();
                }
            });
        } catch (RuntimeException e) {
            throw new IOException("the commit of the wrapped MapDB DB failed: " + e, e);
        }
    }

    @Override
    boolean backlogTooLarge() {
        return false;
    }

    @Override
    void afterChange() {
    }

    @Override
    void checkpoint() {
        flush();
    }

    @Override
    void close() {
        stopTakingChanges();
        try {
            flush();
        } catch (RuntimeException e) {
            throw new StateStoreException("closing the store failed to commit the wrapped MapDB DB: "
                    + e.getMessage(), e);
        } finally {
            thread.close();
        }
    }
}
