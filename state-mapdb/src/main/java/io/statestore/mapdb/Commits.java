package io.statestore.mapdb;

import io.statestore.OutcomeUnknownException;
import io.statestore.StateStoreClosedException;
import io.statestore.WriteNotAppliedException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * The one owner of when the store's writes become durable. Each change gets a sequence number when it is
 * applied; a change is durable once a <em>force</em> has covered its number. Forces are led by whoever needs
 * one: the first writer to wait becomes the leader, forces everything applied so far, and wakes the others;
 * writers that arrive meanwhile share the next force. That is how concurrent writers under
 * {@link Durability#EVERY_WRITE} pay for fewer disk flushes than they make writes. {@link
 * Durability#INTERVAL} forces on the store's thread every interval; {@link Durability#ON_FLUSH} when asked.
 *
 * <p>What a force is belongs to the kind of file: for a file the store opened, writing and flushing its log
 * ({@link LoggedCommits}); for a {@code DB} it wraps, a MapDB commit ({@link DbCommits}).
 *
 * <p>Failures: a force that fails leaves the changes it should have covered applied but of unknown
 * durability, and their writers get an {@link OutcomeUnknownException}. New writes are then refused before
 * they are applied ({@link WriteNotAppliedException}) until a force succeeds again; each refusal first tries
 * one, so writes come back by themselves once the cause is gone.
 */
abstract class Commits {

    static final System.Logger LOGGER = System.getLogger(Commits.class.getName());

    final Durability durability;
    final StoreThread thread;
    /** Names the file in messages. */
    final String where;
    private final String storeDescription;
    private final Duration interval;

    /**
     * Writers hold it shared while they apply a change; a checkpoint holds it exclusively, so that it never
     * takes half of a change into the store file.
     */
    final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    private volatile boolean closed;

    private final ReentrantLock forceLock = new ReentrantLock();
    private final Condition forceEnded = forceLock.newCondition();
    /** Whether a force (or a checkpoint) is running; guarded by {@link #forceLock}. */
    private boolean forcing;
    /** Writers waiting for a force, in the order they came; guarded by {@link #forceLock}. */
    private final List<Waiter> waiters = new ArrayList<>();

    /** Every change up to this number is durable; written under {@link #forceLock}. */
    private volatile long durableSeq;
    /** The failure of the last force, until one succeeds; guarded by {@link #forceLock}. */
    private IOException broken;
    /** The changes up to this number were applied but not made durable by the force that failed. */
    private long unknownThrough;
    private volatile LongConsumer observer = durable -> { };
    private ScheduledFuture<?> intervalTask;

    Commits(Durability durability, Duration interval, StoreThread thread, String where, String storeDescription) {
        this.durability = Objects.requireNonNull(durability, "durability");
        this.interval = interval;
        this.thread = thread;
        this.where = where;
        this.storeDescription = storeDescription;
    }

    /** Starts the background forces of {@link Durability#INTERVAL}. */
    final void start() {
        if (durability == Durability.INTERVAL) {
            intervalTask = thread.every(interval, this::forceInBackground);
        }
    }

    // ---- what a kind of file supplies ----

    /**
     * Before a writer takes its locks: makes room for a change of at most {@code bound} encoded bytes, or
     * refuses the write, unapplied, with a {@link WriteNotAppliedException} naming the cause.
     */
    abstract void reserve(int bound);

    /** After the writer applied its change, or gave up: gives back what {@link #reserve} took. */
    abstract void release(int bound);

    /** Applies the change to the map and records it; returns its sequence number. */
    abstract long record(Change change);

    /** The number of the last change applied. */
    abstract long lastSeq();

    /** Makes every change applied so far durable; returns the number it covers. One caller at a time. */
    abstract long force() throws IOException;

    /** Whether so many changes wait for a force that the writer should lead one rather than add more. */
    abstract boolean backlogTooLarge();

    /** Called after a writer's change, outside its locks: where a kind of file starts a checkpoint. */
    abstract void afterChange();

    /** Runs a writer's whole read-modify-write; the wrapped DB of unknown volumes runs it on the store thread. */
    <T> T shielded(Supplier<T> write) {
        return write.get();
    }

    /** Brings the store file up to date with every change applied so far; throws if that fails. */
    abstract void checkpoint();

    /** Makes everything durable, stops, and closes what the store owns. */
    abstract void close();

    // ---- the write path ----

    /** Applies a change for a writer that holds the change's key stripes; returns its sequence number. */
    final long apply(Change change) {
        gate.readLock().lock();
        try {
            if (closed) {
                throw new StateStoreClosedException(storeDescription);
            }
            return record(change);
        } finally {
            gate.readLock().unlock();
        }
    }

    /** After the writer released its locks: returns once its change is as durable as the mode promises. */
    final void settle(long seq) {
        if (seq == 0) {
            return;
        }
        if (durability == Durability.EVERY_WRITE || backlogTooLarge()) {
            awaitDurable(seq);
        }
        afterChange();
    }

    /**
     * Returns once every change up to {@code seq} is durable, leading a force if none is running.
     *
     * @throws OutcomeUnknownException if the force that should have covered it failed
     */
    final void awaitDurable(long seq) {
        if (durableSeq >= seq) {
            return;
        }
        boolean interrupted = false;
        forceLock.lock();
        try {
            while (durableSeq < seq) {
                if (broken != null && seq <= unknownThrough) {
                    throw new OutcomeUnknownException("the write was applied, but making it durable failed ("
                            + broken.getMessage() + "): it may be lost if the process stops before " + where
                            + " can be written again", broken);
                }
                if (!forcing) {
                    forceAsLeader();
                    continue;
                }
                Waiter waiter = new Waiter(seq, Thread.currentThread());
                waiters.add(waiter);
                forceLock.unlock();
                try {
                    while (!waiter.woken) {
                        LockSupport.park(this);
                        interrupted |= Thread.interrupted();
                    }
                } finally {
                    forceLock.lock();
                }
            }
        } finally {
            forceLock.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A writer waiting for a force to cover its change. */
    private static final class Waiter {
        final long seq;
        final Thread thread;
        volatile boolean woken;

        Waiter(long seq, Thread thread) {
            this.seq = seq;
            this.thread = thread;
        }

        void wake() {
            woken = true;
            LockSupport.unpark(thread);
        }
    }

    /**
     * After a force: wakes the waiters it covered (or, if it failed, all of them, to learn so), and one
     * waiter it did not cover, to lead the next force; the others sleep on, rather than all waking to find
     * that one of them leads. Called holding {@link #forceLock}.
     */
    private void wakeWaiters() {
        Waiter nextLeader = null;
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter waiter = it.next();
            if (waiter.seq <= durableSeq || broken != null) {
                it.remove();
                waiter.wake();
            } else if (nextLeader == null) {
                nextLeader = waiter;
                it.remove();
            }
        }
        if (nextLeader != null) {
            nextLeader.wake();
        }
    }

    /** Runs one force; entered and left holding {@link #forceLock}, which it releases meanwhile. */
    private void forceAsLeader() {
        forcing = true;
        long covered = 0;
        IOException failure = null;
        forceLock.unlock();
        try {
            covered = force();
        } catch (IOException e) {
            failure = e;
        } finally {
            forceLock.lock();
            forcing = false;
            forceEnded.signalAll();
        }
        if (failure == null) {
            markDurableLocked(covered);
        } else {
            if (broken == null) {
                LOGGER.log(Level.WARNING, "writes to " + where + " are refused until it can be written again: "
                        + failure.getMessage());
            }
            broken = failure;
            unknownThrough = Math.max(unknownThrough, lastSeq());
        }
        wakeWaiters();
    }

    private void markDurableLocked(long covered) {
        if (covered > durableSeq) {
            durableSeq = covered;
        }
        if (broken != null) {
            LOGGER.log(Level.INFO, where + " takes writes again");
            broken = null;
        }
        observer.accept(durableSeq);
    }

    /** Records that a checkpoint made every change up to {@code seq} durable. */
    final void markDurable(long seq) {
        forceLock.lock();
        try {
            markDurableLocked(seq);
        } finally {
            forceLock.unlock();
        }
    }

    /**
     * Refuses a write, unapplied, while an earlier force has failed and the next one fails too; tries that
     * next one first, so that writes come back by themselves once the disk takes them.
     */
    final void refuseWhileBroken() {
        if (!isBroken()) {
            return;
        }
        IOException failure;
        forceLock.lock();
        try {
            if (broken != null && !forcing) {
                forceAsLeader();
            }
            failure = broken;
        } finally {
            forceLock.unlock();
        }
        if (failure != null) {
            throw new WriteNotAppliedException("the write was not applied: " + where + " takes no writes until"
                    + " it can be written again (" + failure.getMessage() + ")", failure);
        }
    }

    private boolean isBroken() {
        forceLock.lock();
        try {
            return broken != null;
        } finally {
            forceLock.unlock();
        }
    }

    /** The interval task: forces what was applied since the last force, unless a force is running. */
    private void forceInBackground() {
        forceLock.lock();
        try {
            if (!forcing && !closed && (durableSeq < lastSeq() || broken != null)) {
                forceAsLeader();
            }
        } catch (RuntimeException e) {
            LOGGER.log(Level.WARNING, "the background force of " + where + " failed", e);
        } finally {
            forceLock.unlock();
        }
    }

    /**
     * Runs an action while no change is being applied and no force runs: how a checkpoint sees a whole
     * state. Runs on the store thread, which no force ever needs, so that waiting for a force cannot deadlock.
     */
    final <T> T exclusively(Supplier<T> action) {
        gate.writeLock().lock();
        try {
            forceLock.lock();
            try {
                while (forcing) {
                    forceEnded.awaitUninterruptibly();
                }
                forcing = true;
            } finally {
                forceLock.unlock();
            }
            try {
                return action.get();
            } finally {
                forceLock.lock();
                try {
                    forcing = false;
                    forceEnded.signalAll();
                    wakeWaiters();
                } finally {
                    forceLock.unlock();
                }
            }
        } finally {
            gate.writeLock().unlock();
        }
    }

    /** Makes every change applied so far durable, in any mode. */
    final void flush() {
        awaitDurable(lastSeq());
    }

    /** Stops taking changes and stops the background forces; the first step of {@link #close()}. */
    final void stopTakingChanges() {
        gate.writeLock().lock();
        try {
            closed = true;
        } finally {
            gate.writeLock().unlock();
        }
        if (intervalTask != null) {
            intervalTask.cancel(false);
        }
    }

    final long durableSeq() {
        return durableSeq;
    }

    /** Lets a test see each force: it is told the number of the last change it made durable. */
    final void observe(LongConsumer durable) {
        observer = Objects.requireNonNull(durable, "durable");
    }
}
