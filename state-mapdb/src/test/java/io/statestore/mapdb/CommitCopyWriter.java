package io.statestore.mapdb;

import io.statestore.spi.StoreOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The child JVM of {@link CommitCopyCrashTest}: stores a base state and checkpoints it, then stores one large
 * batch and checkpoints it, and halts the JVM (as abruptly as {@code kill -9}: no shutdown hooks, no finally
 * blocks) right after that checkpoint's commit has copied a given number of writes into the store file, that
 * is, after its journal is complete but before the file holds the whole commit.
 *
 * <p>Arguments: the file, {@code mmap} true or false, and the number of copied writes to halt after (0:
 * do not halt). Prints {@code COPIED n} with the batch commit's number of writes when it does not halt.
 */
public final class CommitCopyWriter {

    static final int BASE_KEYS = 200;
    static final int BATCH_KEYS = 300;
    static final int COUNTER_INCREMENTS = 5;
    static final int HALT_STATUS = 99;

    private CommitCopyWriter() {
    }

    static Object baseValue(int i) {
        return Map.of("i", (long) i, "text", "base value " + i);
    }

    static Object batchValue(int i) {
        return java.util.List.of((long) i, "batch value " + i, new byte[64]);
    }

    public static void main(String[] args) {
        String file = args[0];
        boolean mmap = Boolean.parseBoolean(args[1]);
        int haltAfter = Integer.parseInt(args[2]);
        AtomicBoolean armed = new AtomicBoolean();
        AtomicInteger copied = new AtomicInteger();
        MapDbSettings settings = MapDbSettings.from(StoreOptions.parse("mapdb:" + file + "?mmap=" + mmap,
                Map.of()));
        try (MapDbStateStore store = MapDbStateStore.open(settings, count -> {
            if (armed.get()) {
                copied.set(count);
                if (count == haltAfter) {
                    Runtime.getRuntime().halt(HALT_STATUS);
                }
            }
        })) {
            Map<String, Object> base = new LinkedHashMap<>();
            for (int i = 0; i < BASE_KEYS; i++) {
                base.put("base-" + i, baseValue(i));
            }
            store.storeAll(base);
            for (int i = 0; i < COUNTER_INCREMENTS; i++) {
                store.incr("counter");
            }
            store.checkpoint();
            Map<String, Object> batch = new LinkedHashMap<>();
            for (int i = 0; i < BATCH_KEYS; i++) {
                batch.put("batch-" + i, batchValue(i));
            }
            store.storeAll(batch);
            armed.set(true);
            store.checkpoint();
            armed.set(false);
            System.out.println("COPIED " + copied.get());
        }
    }
}
