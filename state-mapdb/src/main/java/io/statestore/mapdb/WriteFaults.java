package io.statestore.mapdb;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Lets a test make the store's own writes fail the way a full or failing disk makes them fail: part of a
 * write reaches the file, then the write throws. Every byte the store writes (its log, its journal, the
 * commits it copies into the store file) passes through a {@link DataFile} that asks this first.
 */
interface WriteFaults {

    /** No faults: every write is whole. */
    WriteFaults NONE = new WriteFaults() {
        @Override
        public int writable(Path file, long offset, int length) {
            return length;
        }
    };

    /**
     * Says how many of the bytes about to be written reach the file.
     *
     * @param file   the file
     * @param offset where the write starts
     * @param length how many bytes it has
     * @return {@code length} for a whole write; fewer to write only those and then fail with {@link #failure}
     */
    int writable(Path file, long offset, int length);

    /**
     * The error a write that {@link #writable} cut short throws, as the operating system would report it.
     *
     * @param file the file
     * @return the error
     */
    default IOException failure(Path file) {
        return new IOException("No space left on device");
    }

    /**
     * Called before a file is forced to the disk; throws to make the force fail.
     *
     * @param file the file
     * @throws IOException the failure
     */
    default void beforeForce(Path file) throws IOException {
    }
}
