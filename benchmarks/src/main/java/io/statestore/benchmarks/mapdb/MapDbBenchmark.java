package io.statestore.benchmarks.mapdb;

import io.statestore.StateStore;
import io.statestore.StateStores;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The MapDB backend against plain MapDB doing the same work on the same kind of file in the same run:
 * {@code layer=statestore} goes through {@code StateStores.open("mapdb:...")}; {@code layer=plain} is a
 * {@code DBMaker.fileDB(...).transactionEnable()} file (memory-mapped on both sides when {@code mmap}) with
 * a {@code BTreeMap<String, byte[]>}, raw bytes
 * put and got, an increment done as get + put of 8 bytes under the same kind of striped lock the backend
 * uses, and commits made as the durability mode makes them (after each write for {@code sync}, every
 * 100 ms by a background thread for {@code group}, never for {@code none}). The store's side makes its
 * writes durable with its log (docs/mapdb.md), so in {@code sync} the two sides reach the same durability
 * by different means: that is the comparison a user choosing between them makes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MapDbBenchmark {

    private static final int KEYS = 1_000;
    private static final int COUNTERS = 100;
    private static final String VALUE = "a short value of some forty characters..";
    private static final int FILL_CHUNK = 1 << 20;

    /** The durability mode; plain MapDB commits the same way. */
    @Param({"sync", "group", "none"})
    public String durability;

    /**
     * Whether commits force the file to the disk, on both sides. {@code false} takes the disk's flush
     * latency, which dominates {@code sync} and varies wildly on a shared machine, out of the comparison.
     */
    @Param({"true"})
    public boolean fsync;

    /** Whether the file is memory-mapped, on both sides (plain MapDB: {@code fileMmapEnableIfSupported}). */
    @Param({"false"})
    public boolean mmap;

    /**
     * Megabytes of extra data stored under other keys before measuring, on both sides: a memory-mapped
     * commit forces every mapped megabyte of the file, so its cost grows with the file.
     */
    @Param({"0"})
    public int fillMegabytes;

    /** {@code statestore} or {@code plain}. */
    @Param({"statestore", "plain"})
    public String layer;

    private Path dir;
    private StateStore store;
    private DB db;
    private BTreeMap<String, byte[]> map;
    private ScheduledExecutorService committer;
    private final ReentrantLock[] stripes = new ReentrantLock[64];
    private final String[] keys = new String[KEYS];
    private final String[] counters = new String[COUNTERS];
    private final byte[] valueBytes = VALUE.getBytes(StandardCharsets.UTF_8);
    private int next;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("mapdb-bench");
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "user:" + i + ":session";
        }
        for (int i = 0; i < COUNTERS; i++) {
            counters[i] = "hits:" + i;
        }
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
        Path file = dir.resolve("bench.db");
        if (layer.equals("statestore")) {
            String uri = "mapdb:" + file + "?durability=" + durability
                    + (durability.equals("group") ? "&intervalMillis=100" : "") + "&fsync=" + fsync
                    + "&mmap=" + mmap;
            store = StateStores.open(uri);
            for (String key : keys) {
                store.store(key, VALUE);
            }
            for (int i = 0; i < fillMegabytes; i++) {
                store.store("fill:" + i, new byte[FILL_CHUNK]);
            }
            // Both sides start from committed data, which MapDB reads from the file, not from memory: closing
            // checkpoints the store, and a reopened one has nothing in its log.
            store.close();
            store = StateStores.open(uri);
        } else {
            DBMaker.Maker maker = DBMaker.fileDB(file.toFile()).transactionEnable();
            if (mmap) {
                maker = maker.fileMmapEnableIfSupported();
            }
            db = (fsync ? maker : maker.fileSyncDisable()).make();
            map = db.treeMap("state", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
            for (String key : keys) {
                map.put(key, valueBytes);
            }
            for (int i = 0; i < fillMegabytes; i++) {
                map.put("fill:" + i, new byte[FILL_CHUNK]);
            }
            db.commit();
            if (durability.equals("group")) {
                committer = Executors.newSingleThreadScheduledExecutor();
                committer.scheduleWithFixedDelay(db::commit, 100, 100, TimeUnit.MILLISECONDS);
            }
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        if (store != null) {
            store.close();
        } else {
            if (committer != null) {
                committer.shutdown();
            }
            db.commit();
            db.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    private String nextKey() {
        next = (next + 1) % KEYS;
        return keys[next];
    }

    private String nextCounter() {
        next = (next + 1) % COUNTERS;
        return counters[next];
    }

    private void plainCommitIfSync() {
        if (durability.equals("sync")) {
            db.commit();
        }
    }

    @Benchmark
    public void store() {
        String key = nextKey();
        if (store != null) {
            store.store(key, VALUE);
        } else {
            map.put(key, valueBytes);
            plainCommitIfSync();
        }
    }

    @Benchmark
    public Object fetch() {
        String key = nextKey();
        return store != null ? store.fetch(key) : map.get(key);
    }

    @Benchmark
    public long incr() {
        String key = nextCounter();
        if (store != null) {
            return store.incr(key);
        }
        ReentrantLock stripe = stripes[(key.hashCode() ^ (key.hashCode() >>> 16)) & 63];
        long value;
        stripe.lock();
        try {
            byte[] current = map.get(key);
            value = (current == null ? 0 : ByteBuffer.wrap(current).getLong()) + 1;
            map.put(key, ByteBuffer.allocate(8).putLong(value).array());
        } finally {
            stripe.unlock();
        }
        plainCommitIfSync();
        return value;
    }
}
