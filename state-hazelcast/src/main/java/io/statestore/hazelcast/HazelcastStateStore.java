package io.statestore.hazelcast;

import com.hazelcast.aggregation.Aggregators;
import com.hazelcast.client.HazelcastClient;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.statestore.StateStoreException;
import io.statestore.spi.AbstractStateStore;
import io.statestore.spi.Expiry;
import io.statestore.spi.Watchers;
import io.statestore.spi.StoreOptions;
import io.statestore.value.ValueCodec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A store on a Hazelcast {@link IMap}{@code <String, StateEntry>}, each value kept as its msgpack bytes
 * ({@link ValueCodec}) in a {@link StateEntry}. {@code incr}, {@code decr} and {@code compareAndSet} run as
 * entry processors on the key's owner, atomically on its partition thread; nothing reads and then writes.
 *
 * <p><b>Exactly-once counters.</b> When a member leaves, Hazelcast may retry an operation that the lost
 * member had already applied and replicated. Unless {@code exactlyOnce=false}, every counter and
 * compare-and-set operation carries the calling thread's id and sequence number, the entry remembers the
 * latest operation of each of its most recent {@code callersRemembered} callers with its result, and a
 * retried copy returns the remembered result instead of applying again. The limits are in
 * {@code docs/hazelcast.md}.
 *
 * <p>Open one with {@link io.statestore.StateStores#open(String)} ({@code hazelcast:?...}: an embedded member
 * or a client, which {@link #close()} shuts down), or wrap an instance you already have with
 * {@link #wrap(HazelcastInstance, String)} (which {@link #close()} leaves running). {@code unwrap} gives the
 * {@link HazelcastInstance} and the {@link IMap}.
 *
 * <p><b>Who may connect.</b> A store opened by URI presents a cluster name derived from the cluster's secret
 * ({@code secretFile}, or the environment variable {@code STATESTORE_CLUSTER_SECRET}), so members and clients
 * without the secret are refused by Hazelcast's own cluster-name check. A member that nobody else needs to
 * reach gets a random secret and listens on 127.0.0.1; a member that lists others, or a client, without a
 * secret fails to open. {@code wrap} changes nothing about the instance it is given.
 */
public final class HazelcastStateStore extends AbstractStateStore {

    private final HazelcastInstance instance;
    private final IMap<String, StateEntry> map;
    private final boolean ownsInstance;
    private final boolean exactlyOnce;
    private final int callersRemembered;
    private final ThreadLocal<Caller> callers = ThreadLocal.withInitial(Caller::new);
    private final Watchers watchers = new Watchers();
    /** The map listener feeding {@link #watchers}, registered at the first watch; {@code null} before. */
    private volatile UUID listening;

    private HazelcastStateStore(String description, HazelcastInstance instance, String mapName, boolean ownsInstance,
            boolean exactlyOnce, int callersRemembered) {
        super(description);
        this.instance = instance;
        this.map = instance.getMap(mapName);
        this.ownsInstance = ownsInstance;
        this.exactlyOnce = exactlyOnce;
        this.callersRemembered = callersRemembered;
    }

    /**
     * Opens a store from parsed {@code hazelcast:} options, starting an embedded member or a client.
     *
     * @param options the options
     * @return an open store that owns its instance
     * @throws IllegalArgumentException if the options are invalid, listing every problem
     * @throws StateStoreException      if Hazelcast cannot start or connect
     */
    static HazelcastStateStore open(StoreOptions options) {
        HazelcastSettings settings = HazelcastSettings.read(options);
        ClusterNameRedaction.hide(settings.clusterName(), settings.cluster);
        boolean client = settings.mode == HazelcastSettings.Mode.CLIENT;
        HazelcastInstance instance;
        try {
            instance = client ? HazelcastClient.newHazelcastClient(settings.clientConfig())
                    : Hazelcast.newHazelcastInstance(settings.memberConfig());
        } catch (RuntimeException e) {
            // Members refuse a client of another cluster name exactly as if nobody listened: say both.
            throw new StateStoreException("cannot start Hazelcast for " + options.uri() + " ("
                    + (client ? "connecting to " + settings.members + " with the secret from " + settings.secret
                    + "; the members must be running, with the same secret and cluster=" + settings.cluster
                    : "member on port " + settings.port) + "): " + e, e);
        }
        return new HazelcastStateStore(options.uri(), instance, settings.map, true, settings.exactlyOnce,
                settings.callersRemembered);
    }

    /**
     * Wraps an instance the caller already has, member or client. Closing the store leaves the instance
     * running. Every member must have this module on its class path and {@link StateSerialization}'s factory
     * registered; a client instance must register it too ({@link StateSerialization#configure}).
     *
     * @param instance a running member or client
     * @param mapName  the map's name; configure its backups on the members under this name
     * @return an open store with exactly-once counters
     * @throws IllegalArgumentException if a member instance lacks the serialization factory
     */
    public static HazelcastStateStore wrap(HazelcastInstance instance, String mapName) {
        return wrap(instance, mapName, true, HazelcastSettings.DEFAULT_CALLERS_REMEMBERED);
    }

    /**
     * Wraps an instance the caller already has, choosing the exactly-once tracking.
     *
     * @param instance          a running member or client
     * @param mapName           the map's name
     * @param exactlyOnce       whether counter and compare-and-set operations carry operation ids
     * @param callersRemembered how many recent callers each entry remembers, at least 1
     * @return an open store
     * @throws IllegalArgumentException if a member instance lacks the serialization factory, or an argument is bad
     */
    public static HazelcastStateStore wrap(HazelcastInstance instance, String mapName, boolean exactlyOnce,
            int callersRemembered) {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(mapName, "mapName");
        if (mapName.isEmpty()) {
            throw new IllegalArgumentException("mapName is empty; name the map to store in");
        }
        if (callersRemembered < 1) {
            throw new IllegalArgumentException("callersRemembered=" + callersRemembered + "; expected at least 1");
        }
        Config config = memberConfigOrNull(instance);
        if (config != null && !StateSerialization.isRegistered(config.getSerializationConfig())) {
            throw new IllegalArgumentException("Hazelcast instance " + instance.getName() + " has no data"
                    + " serializable factory " + StateSerialization.FACTORY_ID + "; build its Config with"
                    + " StateSerialization.configure(config) (on every member) before starting it");
        }
        return new HazelcastStateStore("hazelcast (wrapped " + instance.getName() + ", map " + mapName + ")",
                instance, mapName, false, exactlyOnce, callersRemembered);
    }

    private static Config memberConfigOrNull(HazelcastInstance instance) {
        try {
            return instance.getConfig();
        } catch (UnsupportedOperationException clientInstance) {
            return null;
        }
    }

    /** One thread of this handle, as an exactly-once caller: a random id and the sequence of its operations. */
    private static final class Caller {
        final long high;
        final long low;
        long sequence;

        Caller() {
            UUID id = UUID.randomUUID();
            high = id.getMostSignificantBits();
            low = id.getLeastSignificantBits();
        }

        OperationId next() {
            return new OperationId(high, low, ++sequence);
        }
    }

    private OperationId nextOperation() {
        return exactlyOnce ? callers.get().next() : OperationId.NONE;
    }

    private static StateEntry entryOf(Object value, long expiresAt) {
        return new StateEntry(ValueCodec.encode(value), StateEntry.NO_CALLERS, expiresAt);
    }

    /**
     * Writes an entry with the Hazelcast time to live its expiry asks for: always given, 0 (for ever) too, so
     * that a new value never inherits the time to live of the one it replaces.
     */
    private CompletionStage<Void> set(String key, StateEntry entry, long now) {
        return map.setAsync(key, entry, StateEntry.hazelcastTtlSeconds(entry.expiresAt(), now), TimeUnit.SECONDS);
    }

    @Override
    protected void doStore(String key, Object value, long expiresAt) {
        map.set(key, entryOf(value, expiresAt), StateEntry.hazelcastTtlSeconds(expiresAt, Expiry.now()),
                TimeUnit.SECONDS);
    }

    @Override
    protected Optional<Object> doFetch(String key) {
        StateEntry entry = map.get(key);
        return StateEntry.live(entry, Expiry.now()) ? Optional.of(ValueCodec.decode(entry.valueBytes()))
                : Optional.empty();
    }

    @Override
    protected boolean doRemove(String key) {
        return StateEntry.live(map.remove(key), Expiry.now());
    }

    @Override
    protected Collection<String> doKeys(String prefix) {
        return new ArrayList<>(map.keySet(new KeyPrefixPredicate(prefix, Expiry.now())));
    }

    @Override
    protected void doClear() {
        // Entry by entry on the owners, so that every watcher is told of each key's removal.
        map.executeOnEntries(new RemoveProcessor());
    }

    @Override
    protected Watchers watchers() {
        if (listening == null) {
            synchronized (watchers) {
                if (listening == null) {
                    listening = map.addEntryListener(new WatchForwarder(watchers), true);
                }
            }
        }
        return watchers;
    }

    @Override
    protected long doSize() {
        // Counted on the members, live entries only: Hazelcast reclaims an expired entry up to two seconds late.
        return map.aggregate(Aggregators.count(), new KeyPrefixPredicate("", Expiry.now()));
    }

    @Override
    protected long doIncr(String key, long amount, long expiresAtIfCreated) {
        Object reply = map.executeOnKey(key, new IncrementProcessor(amount, nextOperation(), callersRemembered,
                expiresAtIfCreated, Expiry.now()));
        if (reply instanceof Long) {
            return (Long) reply;
        }
        throw IncrementProcessor.Outcome.toException((String) reply);
    }

    @Override
    protected boolean doCompareAndSet(String key, Object expected, Object update, long expiresAt) {
        return map.executeOnKey(key, new CompareAndSetProcessor(expected == null ? null : ValueCodec.encode(expected),
                update == null ? null : ValueCodec.encode(update), nextOperation(), callersRemembered, expiresAt,
                Expiry.now()));
    }

    @Override
    protected boolean doExpire(String key, long expiresAt) {
        return map.executeOnKey(key, new ExpiryProcessor(expiresAt, Expiry.now()));
    }

    @Override
    protected boolean doPersist(String key) {
        return map.executeOnKey(key, new ExpiryProcessor(Expiry.NONE, Expiry.now()));
    }

    @Override
    protected long doExpiresAt(String key) {
        StateEntry entry = map.get(key);
        return StateEntry.live(entry, Expiry.now()) ? entry.expiresAt() : Expiry.NONE;
    }

    @Override
    protected void doStoreAll(Map<String, Object> entries, long expiresAt) {
        // One asynchronous write per entry, all in flight at once: putAll takes no time to live, and one is
        // needed (0 included) so that no replaced value's time to live survives.
        long now = Expiry.now();
        List<CompletableFuture<?>> writes = new ArrayList<>(entries.size());
        entries.forEach((key, value) -> writes.add((value == null ? map.deleteAsync(key)
                : set(key, entryOf(value, expiresAt), now)).toCompletableFuture()));
        try {
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
        }
    }

    @Override
    protected Map<String, Object> doFetchAll(List<String> keys) {
        Map<String, StateEntry> found = map.getAll(new java.util.HashSet<>(keys));
        long now = Expiry.now();
        Map<String, Object> result = new LinkedHashMap<>();
        for (String key : keys) {
            StateEntry entry = found.get(key);
            if (StateEntry.live(entry, now)) {
                result.put(key, ValueCodec.decode(entry.valueBytes()));
            }
        }
        return result;
    }

    @Override
    protected Object doUnwrap(Class<?> type) {
        if (type.isInstance(map)) {
            return map;
        }
        return type.isInstance(instance) ? instance : null;
    }

    @Override
    protected void doClose() {
        callers.remove();
        if (listening != null && !ownsInstance) {
            map.removeEntryListener(listening);
        }
        if (ownsInstance) {
            instance.shutdown();
        }
    }
}
