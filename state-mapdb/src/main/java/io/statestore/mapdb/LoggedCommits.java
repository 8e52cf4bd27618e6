package io.statestore.mapdb;

import io.statestore.StateStoreException;
import io.statestore.WriteNotAppliedException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.mapdb.Atomic;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.Serializer;

/**
 * Commits of a file the store opened: a change is durable once its record in the {@link OperationLog} is
 * forced to the disk, and <em>checkpoints</em> bring the store file up to date with a MapDB commit (made
 * atomic by the {@link RedoJournal}), after which the log starts again from its beginning.
 *
 * <p>A checkpoint runs on the store thread when the log has grown past {@code checkpointBytes} (8 MiB by
 * default) or MapDB's in-memory write-ahead log past {@value #CHECKPOINT_MEMORY_BYTES} bytes; when a write finds the disk
 * too full to grow the log (the checkpoint lets the log reuse its room); and when the store closes. It holds
 * writers off for the MapDB commit, a few milliseconds, and it records in the store file the number of the
 * last change it holds ({@code statestore.checkpoint}), which is where the next open starts replaying. A
 * checkpoint that fails (a full disk) changes nothing that was durable: the log keeps every change, the
 * store keeps serving, and checkpoints are tried again, backing off. Writes go on while the log has room
 * and the changes held back stay below what starts a checkpoint; past that they are refused, unapplied, until
 * a checkpoint succeeds, so that the checkpoint a full disk holds back never outgrows a normal one.
 */
final class LoggedCommits extends Commits {

    static final long CHECKPOINT_MEMORY_BYTES = 32L << 20;
    /** Under INTERVAL and ON_FLUSH, a writer forces the log itself once this much waits for a force. */
    private static final int BACKLOG_BYTES = 1 << 20;
    private static final String CHECKPOINT_RECORD = "statestore.checkpoint";
    private static final long MIN_BACKOFF_MILLIS = 50;
    private static final long MAX_BACKOFF_MILLIS = 1000;

    private final DB db;
    private final JournaledFiles files;
    private final OperationLog log;
    private final BTreeMap<String, byte[]> map;
    private final Atomic.Long checkpoint;
    private final AtomicBoolean checkpointQueued = new AtomicBoolean();
    private final long checkpointBytes;
    /** After a failed checkpoint, none is tried again before this {@link System#nanoTime()}. */
    private volatile long nextCheckpointNanos;
    private volatile long checkpointBackoffNanos;
    /** The last checkpoint's failure, until one succeeds. */
    private volatile RuntimeException checkpointFailure;

    private LoggedCommits(MapDbSettings settings, DB db, JournaledFiles files, OperationLog log,
            BTreeMap<String, byte[]> map, Atomic.Long checkpoint, StoreThread thread, String where) {
        super(settings.durability(), settings.interval(), thread, where, settings.uri());
        this.db = db;
        this.files = files;
        this.log = log;
        this.map = map;
        this.checkpoint = checkpoint;
        this.checkpointBytes = settings.checkpointBytes();
    }

    /**
     * Replays the log into a freshly opened file, checkpoints what it replayed, and starts this open's pass of
     * the log; runs on the store thread.
     *
     * @param map the store's map; a log written for another map of the file is replayed into that map
     * @throws StateStoreException if the log holds another map's changes that cannot be checkpointed
     * @throws IOException         if the log cannot be read or written
     */
    static LoggedCommits recover(MapDbSettings settings, DB db, JournaledFiles files, OperationLog log,
            BTreeMap<String, byte[]> map, StoreThread thread, String where) throws IOException {
        Atomic.Long checkpoint = db.atomicLong(CHECKPOINT_RECORD).createOrOpen();
        String mapName = settings.mapName();
        java.util.List<BTreeMap<String, byte[]>> target = new java.util.ArrayList<>(1);
        int replayed = log.replay(checkpoint.get(), change -> {
            if (target.isEmpty()) {
                target.add(mapName.equals(log.mapName()) ? map
                        : db.treeMap(log.mapName(), Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen());
            }
            change.applyTo(target.get(0));
        });
        LoggedCommits commits = new LoggedCommits(settings, db, files, log, map, checkpoint, thread, where);
        if (replayed > 0) {
            RuntimeException failure = commits.tryCheckpoint();
            if (failure != null && !mapName.equals(log.mapName())) {
                throw new StateStoreException(where + " cannot be opened with map=" + mapName + ": its log holds "
                        + replayed + " writes to the map \"" + log.mapName() + "\" that could not be committed ("
                        + failure.getMessage() + "); open it with map=" + log.mapName() + " once the cause is"
                        + " gone", failure);
            }
        }
        log.beginPass(mapName);
        return commits;
    }

    @Override
    void reserve(int bound) {
        refuseWhileBroken();
        if (checkpointFailure != null && checkpointDue()) {
            // Checkpoints fail (a full disk): the changes they must take into the file may not pile up, or
            // the one that finally succeeds would need ever more room.
            RuntimeException failure = checkpointIfDue();
            if (failure != null) {
                throw new WriteNotAppliedException("the write was not applied: " + where + " takes no more writes"
                        + " until a checkpoint writes those it holds into the file, and the last one failed ("
                        + failure.getMessage() + ")", failure);
            }
        }
        int needed = bound + OperationLog.RECORD_HEADER_BYTES;
        IOException full;
        try {
            log.reserve(needed);
            return;
        } catch (IOException e) {
            full = e;
        }
        RuntimeException failure = null;
        if (log.hasRecords()) {
            // A checkpoint lets the log start again from its beginning, in the room it already has.
            failure = checkpointIfDue();
            if (failure == null) {
                try {
                    log.reserve(needed);
                    return;
                } catch (IOException e) {
                    full = e;
                }
            }
        }
        WriteNotAppliedException refused = new WriteNotAppliedException("the write was not applied: the log has no"
                + " room for it (" + full.getMessage() + ")" + (failure == null ? ""
                : ", and a checkpoint to make room failed (" + failure.getMessage() + ")"), full);
        if (failure != null) {
            refused.addSuppressed(failure);
        }
        throw refused;
    }

    /**
     * Checkpoints now on the store thread, unless the last one failed too recently (checkpoints that keep
     * failing back off, up to {@value #MAX_BACKOFF_MILLIS} ms apart, so that a full disk is not hammered);
     * returns the failure, or {@code null}.
     */
    private RuntimeException checkpointIfDue() {
        RuntimeException failure = checkpointFailure;
        if (failure != null && System.nanoTime() - nextCheckpointNanos < 0) {
            return failure;
        }
        return thread.call(this::tryCheckpoint);
    }

    @Override
    void release(int bound) {
        log.release(bound + OperationLog.RECORD_HEADER_BYTES);
    }

    @Override
    long record(Change change) {
        change.applyTo(map);
        return log.append(change);
    }

    @Override
    long lastSeq() {
        return log.lastSeq();
    }

    @Override
    long force() throws IOException {
        return log.force();
    }

    @Override
    boolean backlogTooLarge() {
        return log.pendingBytes() > BACKLOG_BYTES;
    }

    /** Whether the changes since the last checkpoint are past what starts one. */
    private boolean checkpointDue() {
        return log.usedBytes() > checkpointBytes || files.writeAheadBytes() > CHECKPOINT_MEMORY_BYTES;
    }

    @Override
    void afterChange() {
        if (log.claimGrowth() && !thread.execute(log::growAhead)) {
            log.abandonGrowth();
        }
        if (checkpointDue() && (checkpointFailure == null || System.nanoTime() - nextCheckpointNanos >= 0)
                && checkpointQueued.compareAndSet(false, true)) {
            thread.execute(() -> {
                checkpointQueued.set(false);
                tryCheckpoint();
            });
        }
    }

    /**
     * Commits everything applied so far into the store file and starts the log again; on the store thread.
     *
     * @return the failure, or {@code null}; a failure changes nothing that was durable
     */
    RuntimeException tryCheckpoint() {
        RuntimeException failure = exclusively(() -> {
            if (!log.hasRecords()) {
                return null;
            }
            long seq = log.lastSeq();
            try {
                checkpoint.set(seq);
                db.commit();
            } catch (RuntimeException e) {
                return new StateStoreException("the checkpoint of " + where + " failed: " + e.getMessage(), e);
            }
            log.reset();
            markDurable(seq);
            return null;
        });
        if (failure == null) {
            if (checkpointFailure != null) {
                LOGGER.log(Level.INFO, "checkpoints of " + where + " succeed again");
            }
            checkpointFailure = null;
            checkpointBackoffNanos = 0;
        } else {
            if (checkpointFailure == null) {
                LOGGER.log(Level.WARNING, failure.getMessage() + "; the log keeps every write, and checkpoints are"
                        + " tried again", failure);
            }
            checkpointFailure = failure;
            checkpointBackoffNanos = Math.min(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(MAX_BACKOFF_MILLIS),
                    Math.max(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(MIN_BACKOFF_MILLIS),
                            2 * checkpointBackoffNanos));
            nextCheckpointNanos = System.nanoTime() + checkpointBackoffNanos;
        }
        return failure;
    }

    @Override
    void checkpoint() {
        RuntimeException failure = thread.call(this::tryCheckpoint);
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    void close() {
        stopTakingChanges();
        StateStoreException failure = null;
        try {
            RuntimeException failed = thread.call(this::tryCheckpoint);
            if (failed != null) {
                try {
                    flush();
                } catch (RuntimeException e) {
                    e.addSuppressed(failed);
                    failure = new StateStoreException("closing " + where + " could not make the last writes"
                            + " durable: " + e.getMessage(), e);
                }
            }
        } finally {
            try {
                thread.run(() -> {
                    try {
                        log.close();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    } finally {
                        if (!db.isClosed()) {
                            db.close();
                        }
                    }
                });
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = new StateStoreException("closing " + where + " failed: " + e.getMessage(), e);
                } else {
                    failure.addSuppressed(e);
                }
            } finally {
                thread.close();
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
