package io.statestore.mapdb;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/**
 * A file the store writes itself: its log, its journal, and the store file when a commit is copied into it.
 * Every error names the file, what was being done and the operating system's reason ("No space left on
 * device"), so that it reaches the user as it is.
 *
 * <p>A {@link RandomAccessFile} rather than a {@code FileChannel}: its I/O cannot be interrupted, so a
 * caller's interrupt cannot close the file for everyone. Positioned operations are synchronized, since a
 * {@code RandomAccessFile} has one file pointer.
 */
final class DataFile implements Closeable {

    private static final int ZEROS_BYTES = 64 << 10;

    private final Path path;
    private final RandomAccessFile file;
    private final boolean fsync;
    private final WriteFaults faults;

    /**
     * Opens a file for reading and writing; it must exist (see {@link FileModes#prepareFile}).
     *
     * @param path   the file
     * @param fsync  whether {@link #force()} forces it to the disk; {@code false} makes it a no-op
     * @param faults the test's injected faults, or {@link WriteFaults#NONE}
     * @throws IOException if it cannot be opened
     */
    DataFile(Path path, boolean fsync, WriteFaults faults) throws IOException {
        this.path = path;
        this.fsync = fsync;
        this.faults = faults;
        try {
            this.file = new RandomAccessFile(path.toFile(), "rw");
        } catch (IOException e) {
            throw failed("cannot open", e);
        }
    }

    Path path() {
        return path;
    }

    /** Writes bytes at an offset, growing the file if they pass its end. */
    synchronized void write(long offset, byte[] bytes, int from, int length) throws IOException {
        int writable = faults.writable(path, offset, length);
        try {
            file.seek(offset);
            file.write(bytes, from, Math.min(writable, length));
            if (writable < length) {
                throw faults.failure(path);
            }
        } catch (IOException e) {
            throw failed("cannot write " + length + " bytes at offset " + offset + " of", e);
        }
    }

    /**
     * Writes zeros from {@code start} to {@code end}, which gives those bytes their room on the disk (a hole
     * left by growing the length has none). If that fails, a full disk say, the file is cut back to
     * {@code start}, giving back the room it took.
     */
    void fillWithZeros(long start, long end) throws IOException {
        byte[] zeros = new byte[(int) Math.min(ZEROS_BYTES, Math.max(0, end - start))];
        try {
            for (long at = start; at < end; at += zeros.length) {
                write(at, zeros, 0, (int) Math.min(zeros.length, end - at));
            }
        } catch (IOException e) {
            try {
                setLength(start);
            } catch (IOException giveBack) {
                e.addSuppressed(giveBack);
            }
            throw e;
        }
    }

    /** Reads exactly {@code length} bytes at an offset. */
    synchronized void read(long offset, byte[] into, int from, int length) throws IOException {
        try {
            file.seek(offset);
            file.readFully(into, from, length);
        } catch (IOException e) {
            throw failed("cannot read " + length + " bytes at offset " + offset + " of", e);
        }
    }

    synchronized long length() throws IOException {
        try {
            return file.length();
        } catch (IOException e) {
            throw failed("cannot read the length of", e);
        }
    }

    /** Sets the file's length; growing it this way leaves a hole that takes no space until written. */
    synchronized void setLength(long length) throws IOException {
        try {
            file.setLength(length);
        } catch (IOException e) {
            throw failed("cannot set the length to " + length + " bytes of", e);
        }
    }

    /** Forces what was written, and the file's length, to the disk (unless fsync is off). */
    void force() throws IOException {
        if (!fsync) {
            return;
        }
        try {
            faults.beforeForce(path);
            file.getFD().sync();
        } catch (IOException e) {
            throw failed("cannot force to the disk", e);
        }
    }

    private IOException failed(String what, IOException cause) {
        return new IOException(what + " " + path + ": " + cause.getMessage(), cause);
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
