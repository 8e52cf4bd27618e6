package io.statestore.hazelcast;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Keeps secret-derived cluster names out of Hazelcast's log. Whoever knows such a name can connect to the
 * cluster, so it is as secret as the secret, but Hazelcast logs it at INFO in two places even with
 * {@code hazelcast.logging.details.enabled=false} (which removes it from every other line): a member's
 * "Cluster name: ..." and a client's "Trying to connect to cluster: ...". This filter, set on those two
 * {@code java.util.logging} loggers (Hazelcast's default logging), writes {@code NAME-<secret-derived>}
 * instead. With another {@code hazelcast.logging.type} those two lines keep the name; docs/hazelcast.md
 * says how to silence them.
 */
final class ClusterNameRedaction implements Filter {

    /** The loggers that print the cluster name on every start. */
    static final List<String> LOGGERS = List.of("com.hazelcast.system",
            "com.hazelcast.client.impl.connection.ClientConnectionManager");

    /** Derived names seen in this JVM and what to print instead. Never shrinks: a JVM joins few clusters. */
    private static final Map<String, String> NAMES = new ConcurrentHashMap<>();
    /** Strong references, since java.util.logging forgets loggers (and their filters) nobody holds. */
    private static final Map<String, Logger> INSTALLED = new ConcurrentHashMap<>();

    private final Filter previous;

    private ClusterNameRedaction(Filter previous) {
        this.previous = previous;
    }

    /**
     * Hides a derived cluster name from Hazelcast's start-up lines from now on.
     *
     * @param derivedName the name to hide
     * @param cluster     the {@code cluster} option it was derived from, which stays readable
     */
    static void hide(String derivedName, String cluster) {
        NAMES.put(derivedName, cluster + "-<secret-derived>");
        for (String name : LOGGERS) {
            INSTALLED.computeIfAbsent(name, ClusterNameRedaction::install);
        }
    }

    private static Logger install(String name) {
        Logger logger = Logger.getLogger(name);
        synchronized (logger) {
            if (!(logger.getFilter() instanceof ClusterNameRedaction)) {
                logger.setFilter(new ClusterNameRedaction(logger.getFilter()));
            }
        }
        return logger;
    }

    /** Replaces every hidden name in a text. */
    static String redact(String text) {
        if (text == null) {
            return null;
        }
        String result = text;
        for (Map.Entry<String, String> name : NAMES.entrySet()) {
            if (result.contains(name.getKey())) {
                result = result.replace(name.getKey(), name.getValue());
            }
        }
        return result;
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        record.setMessage(redact(record.getMessage()));
        Object[] parameters = record.getParameters();
        if (parameters != null) {
            for (int i = 0; i < parameters.length; i++) {
                if (parameters[i] instanceof String) {
                    parameters[i] = redact((String) parameters[i]);
                }
            }
        }
        return previous == null || previous.isLoggable(record);
    }
}
