package io.statestore.mapdb;

import io.statestore.StateStore;
import io.statestore.StateStoreException;
import io.statestore.StateStores;

/**
 * The child JVM of {@link SecondProcessTest}: tries to open a store and prints {@code OPENED}, or
 * {@code REFUSED <exception class> <message>}.
 */
public final class LockProbe {

    private LockProbe() {
    }

    public static void main(String[] args) {
        try (StateStore store = StateStores.open(args[0])) {
            System.out.println("OPENED " + store.keys());
        } catch (StateStoreException e) {
            System.out.println("REFUSED " + e.getClass().getName() + " " + e.getMessage());
        }
        System.out.flush();
    }
}
