package io.statestore.hazelcast;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.map.listener.MapClearedListener;
import io.statestore.WatchEvent;
import io.statestore.spi.Expiry;
import io.statestore.spi.Watchers;
import io.statestore.value.ValueCodec;
import java.util.Arrays;

/**
 * Turns the map's events, from every member, into watch events. Hazelcast delivers a key's events in order on
 * one of its event threads, so forwarding them as they come keeps each key's order.
 */
final class WatchForwarder implements EntryAddedListener<String, StateEntry>, EntryUpdatedListener<String, StateEntry>,
        EntryRemovedListener<String, StateEntry>, EntryExpiredListener<String, StateEntry>,
        EntryEvictedListener<String, StateEntry>, MapClearedListener {

    private final Watchers watchers;

    WatchForwarder(Watchers watchers) {
        this.watchers = watchers;
    }

    @Override
    public void entryAdded(EntryEvent<String, StateEntry> event) {
        set(event);
    }

    @Override
    public void entryUpdated(EntryEvent<String, StateEntry> event) {
        StateEntry before = event.getOldValue();
        StateEntry after = event.getValue();
        if (before != null && after != null && before.expiresAt() != after.expiresAt()
                && Arrays.equals(before.valueBytes(), after.valueBytes())) {
            return;  // expire or persist: the value did not change
        }
        set(event);
    }

    private void set(EntryEvent<String, StateEntry> event) {
        String key = event.getKey();
        StateEntry entry = event.getValue();
        watchers.publish(key, () -> WatchEvent.set(key, ValueCodec.decode(entry.valueBytes())));
    }

    @Override
    public void entryRemoved(EntryEvent<String, StateEntry> event) {
        String key = event.getKey();
        StateEntry removed = event.getOldValue();
        watchers.publish(key, () -> StateEntry.live(removed, Expiry.now()) || removed == null ? WatchEvent.delete(key)
                : WatchEvent.expire(key));
    }

    @Override
    public void entryExpired(EntryEvent<String, StateEntry> event) {
        String key = event.getKey();
        watchers.publish(key, () -> WatchEvent.expire(key));
    }

    @Override
    public void entryEvicted(EntryEvent<String, StateEntry> event) {
        String key = event.getKey();
        watchers.publish(key, () -> WatchEvent.delete(key));
    }

    @Override
    public void mapCleared(MapEvent event) {
        watchers.lost();  // IMap.clear() by someone else: no event per key
    }
}
