package io.statestore.hazelcast;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the {@code LOAD} command of several members reported, summed per counter. */
final class ClusterLoad {

    final Map<String, Long> succeeded = new LinkedHashMap<>();
    final Map<String, Long> failed = new LinkedHashMap<>();
    final List<String> failedStores = new ArrayList<>();
    long stored;

    void add(List<String> lines) {
        for (String line : lines) {
            String[] parts = line.split(" ");
            if (parts[0].equals("COUNTER")) {
                succeeded.merge(parts[1], Long.parseLong(parts[2]), Long::sum);
                failed.merge(parts[1], Long.parseLong(parts[3]), Long::sum);
            } else if (parts[0].equals("STOREFAILED")) {
                failedStores.add(parts[1]);
            } else if (parts[0].equals("END")) {
                stored += Long.parseLong(parts[1]);
            }
        }
    }

    static List<String> await(MemberProcess member, Duration timeout) throws InterruptedException {
        return member.collectUntil("END", timeout);
    }

    long totalFailed() {
        return failed.values().stream().mapToLong(Long::longValue).sum();
    }
}
