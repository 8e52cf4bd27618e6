package io.statestore.mapdb;

import java.util.function.IntConsumer;

/**
 * What a test may hook into the store's file handling, to make the faults it checks: nothing in production.
 *
 * @param copyObserver          told how many writes of a commit have been copied into the store file, after
 *                              each one (see {@link JournaledVolume}); lets a test kill the process mid-copy
 * @param faults                makes the store's own writes fail at chosen bytes
 * @param finishJournaledFirst  whether a commit whose journal is whole is copied into the file before the
 *                              journal is written again; a test turns it off to show what it prevents
 * @param writeAheadLogInMemory whether MapDB's write-ahead log is kept in memory (see {@link JournaledFiles});
 *                              a test puts it in files, as plain MapDB does, to show what that risks
 */
record TestHooks(IntConsumer copyObserver, WriteFaults faults, boolean finishJournaledFirst,
        boolean writeAheadLogInMemory) {

    /** No hooks: how the store runs. */
    static final TestHooks NONE = new TestHooks(copied -> { }, WriteFaults.NONE, true, true);
}
