package io.statestore.mapdb;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The redo journal beside a store file ({@code FILE.journal}): before a commit changes a byte of the
 * store file, every change the commit makes is written here, with a checksum, and forced to the disk.
 * Opening the file replays a complete journal, so a crash in the middle of copying a commit into the store
 * file is finished on the next open; an incomplete journal (the crash came before the journal was
 * whole) is ignored, because the store file has not been touched by that commit yet.
 *
 * <p>Layout, big-endian: a header of {@link #MAGIC} (8 bytes), the number of writes (4), the body's length
 * (8) and a CRC-32C of those two fields and the body (4); then the body, for each write its offset in the
 * store file (8) and its length (4), followed by that many bytes, or by nothing when the length is
 * negative, which means that many zero bytes. Once a commit is in the store file the magic is zeroed, which
 * marks the journal as applied. Applying one twice is harmless (it writes the same bytes again), so that
 * mark need not reach the disk before the next commit.
 *
 * <p>Written through a {@link DataFile}, so its errors name it and the cause, and a test can make its writes
 * fail.
 */
final class RedoJournal implements Closeable {

    static final String SUFFIX = ".journal";

    /** "SSJRNL", then the format version. */
    private static final long MAGIC = 0x53534a524e4c0001L;
    private static final int HEADER_BYTES = 24;
    private static final int WRITE_HEADER_BYTES = 12;
    /** A journal left longer than this by a large commit is cut back, so it does not hold the space. */
    private static final long SHRINK_ABOVE_BYTES = 4L << 20;

    /**
     * One change to the store file: {@code length} bytes at {@code offset}, from {@code data}, or zeros when
     * {@code data} is {@code null}.
     */
    record Write(long offset, int length, byte[] data) {

        long end() {
            return offset + length;
        }

        /** Copies this write's bytes that fall in {@code [from, from + target.length)} into the target. */
        void overlay(long from, byte[] target) {
            long start = Math.max(from, offset);
            long stop = Math.min(from + target.length, end());
            if (start >= stop) {
                return;
            }
            int count = (int) (stop - start);
            if (data == null) {
                java.util.Arrays.fill(target, (int) (start - from), (int) (start - from) + count, (byte) 0);
            } else {
                System.arraycopy(data, (int) (start - offset), target, (int) (start - from), count);
            }
        }
    }

    private final Path path;
    private final DataFile file;

    /**
     * Opens the journal, creating it with the store's file permissions if missing.
     *
     * @param fsync whether writes are forced to the disk
     */
    RedoJournal(Path path, FileModes modes, boolean fsync, WriteFaults faults) throws IOException {
        this.path = path;
        modes.prepareFile(path);
        this.file = new DataFile(path, fsync, faults);
    }

    static Path pathFor(Path storeFile) {
        return storeFile.resolveSibling(storeFile.getFileName() + SUFFIX);
    }

    /**
     * Writes a commit's changes as the journal's one commit and forces it to the disk. When this returns, the
     * commit can be replayed whatever happens next; when it throws, the journal holds no commit to replay.
     */
    void write(List<Write> writes) throws IOException {
        long bodyLength = 0;
        for (Write write : writes) {
            bodyLength += WRITE_HEADER_BYTES + (write.data() == null ? 0 : write.length());
        }
        if (HEADER_BYTES + bodyLength > Integer.MAX_VALUE - 8) {
            throw new IOException("a commit of " + bodyLength + " bytes is too large for one journal entry");
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) (HEADER_BYTES + bodyLength));
        buffer.putLong(MAGIC).putInt(writes.size()).putLong(bodyLength).putInt(0);
        for (Write write : writes) {
            buffer.putLong(write.offset());
            if (write.data() == null) {
                buffer.putInt(-write.length());
            } else {
                buffer.putInt(write.length()).put(write.data(), 0, write.length());
            }
        }
        byte[] bytes = buffer.array();
        buffer.putInt(20, checksum(bytes, bytes.length));
        file.write(0, bytes, 0, bytes.length);
        file.force();
    }

    /** Marks the journal's commit as fully in the store file, so it is not replayed. */
    void markApplied() throws IOException {
        file.write(0, new byte[Long.BYTES], 0, Long.BYTES);
        if (file.length() > SHRINK_ABOVE_BYTES) {
            file.setLength(HEADER_BYTES);
        }
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    /** Deletes the journal, with the store file it belongs to. */
    void delete() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot delete " + this + ": " + e, e);
        }
    }

    /**
     * Reads the journal's commit if it is complete and not yet marked applied; empty when there is no
     * journal, or it was applied, or it was cut short or damaged by a crash while it was being written.
     */
    static Optional<List<Write>> readCommitted(Path path) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (bytes.length < HEADER_BYTES) {
            return Optional.empty();
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (buffer.getLong() != MAGIC) {
            return Optional.empty();
        }
        int count = buffer.getInt();
        long bodyLength = buffer.getLong();
        int storedChecksum = buffer.getInt();
        if (count < 0 || bodyLength < 0 || bodyLength > bytes.length - HEADER_BYTES
                || checksum(bytes, (int) (HEADER_BYTES + bodyLength)) != storedChecksum) {
            return Optional.empty();
        }
        List<Write> writes = new ArrayList<>(Math.min(count, bytes.length / WRITE_HEADER_BYTES));
        long end = HEADER_BYTES + bodyLength;
        for (int i = 0; i < count; i++) {
            if (end - buffer.position() < WRITE_HEADER_BYTES) {
                return Optional.empty();
            }
            long offset = buffer.getLong();
            int length = buffer.getInt();
            if (offset < 0 || length == Integer.MIN_VALUE) {
                return Optional.empty();
            }
            if (length < 0) {
                writes.add(new Write(offset, -length, null));
            } else {
                if (end - buffer.position() < length) {
                    return Optional.empty();
                }
                byte[] data = new byte[length];
                buffer.get(data);
                writes.add(new Write(offset, length, data));
            }
        }
        return buffer.position() == end ? Optional.of(writes) : Optional.empty();
    }

    /** The checksum of the header's count and length fields and the body that follows them. */
    private static int checksum(byte[] bytes, int end) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 8, 12);
        crc.update(bytes, HEADER_BYTES, end - HEADER_BYTES);
        return (int) crc.getValue();
    }

    @Override
    public String toString() {
        return "the journal " + path;
    }
}
