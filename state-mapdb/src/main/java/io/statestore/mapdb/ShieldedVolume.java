package io.statestore.mapdb;

import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.mapdb.volume.Volume;

/**
 * A memory-mapped MapDB volume whose operations that go through an interruptible {@code FileChannel}
 * (opening, mapping more of the file, truncating, closing) run on an {@link IoThread}, so that no
 * interrupt of a caller can close the file. Its reads, writes and forces are memory operations and stay on
 * the caller's thread.
 *
 * <p>MapDB asks a volume to make room before nearly every write ({@code ensureAvailable}); only a request
 * past the mapped length maps more, so only those go to the I/O thread.
 */
final class ShieldedVolume extends ForwardingVolume {

    private final IoThread ioThread;
    private final boolean ownsIoThread;
    /** The file's mapped length (a memory-mapped file is mapped to its end); below it nothing is mapped anew. */
    private volatile long mappedLength;

    private ShieldedVolume(Volume delegate, IoThread ioThread, boolean ownsIoThread) {
        super(delegate);
        this.ioThread = ioThread;
        this.ownsIoThread = ownsIoThread;
        this.mappedLength = delegate.length();
    }

    /**
     * Opens a volume on the I/O thread and shields it.
     *
     * @param ownsIoThread whether closing this volume closes the I/O thread (after its own close)
     */
    static ShieldedVolume open(IoThread ioThread, boolean ownsIoThread, Supplier<Volume> opener) {
        return ioThread.call(() -> new ShieldedVolume(opener.get(), ioThread, ownsIoThread));
    }

    @Override
    public void ensureAvailable(long offset) {
        if (offset > mappedLength) {
            mappedLength = ioThread.call(() -> {
                delegate.ensureAvailable(offset);
                return delegate.length();
            });
        }
    }

    @Override
    public void truncate(long size) {
        mappedLength = ioThread.call(() -> {
            delegate.truncate(size);
            return delegate.length();
        });
    }

    @Override
    public void close() {
        try {
            ioThread.run(delegate::close);
        } catch (RejectedExecutionException e) {
            // The store file closed the thread first: only a write-ahead-log file MapDB left open gets here,
            // after the store is closed, when no caller of the store can interrupt anything any more.
            delegate.close();
        } finally {
            if (ownsIoThread) {
                ioThread.close();
            }
        }
    }
}
