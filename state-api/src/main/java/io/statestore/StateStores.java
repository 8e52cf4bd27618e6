package io.statestore;

import io.statestore.spi.StateStoreProvider;
import io.statestore.spi.StoreOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Opens stores by URI, the way JDBC URLs and {@code FileSystems.newFileSystem(URI, Map)} work: the scheme
 * picks the backend, found with {@link ServiceLoader} on the module path and the class path.
 *
 * <pre>{@code
 * try (StateStore store = StateStores.open("mapdb:./data/state.db")) {
 *     store.incr("jobs.done");
 * }
 * }</pre>
 */
public final class StateStores {

    /** The environment variable {@link #openDefault()} reads: {@value}. */
    public static final String URI_ENVIRONMENT_VARIABLE = "STATESTORE_URI";

    /** The system property {@link #openDefault()} reads first: {@value}. */
    public static final String URI_SYSTEM_PROPERTY = "statestore.uri";

    /** The URI {@link #openDefault()} falls back to: the shared in-memory store, {@value}. */
    public static final String DEFAULT_URI = "memory:";

    private StateStores() {
    }

    /**
     * Opens a store.
     *
     * @param uri a store URI: {@code memory:}, {@code memory:NAME}, {@code mapdb:PATH?options},
     *            {@code hazelcast:?members=HOST:PORT,...&options}
     * @return an open store; close it when done
     * @throws IllegalArgumentException if the URI is malformed, its scheme has no installed backend (the
     *                                  message lists the installed schemes), or an option is invalid
     * @throws StateStoreException      if the backend cannot open the store
     */
    public static StateStore open(String uri) {
        return open(StoreOptions.parse(uri, Map.of()));
    }

    /**
     * Opens a store with options that win over those in the URI's query.
     *
     * @param uri     a store URI
     * @param options backend options, such as {@code Map.of("durability", "sync")}
     * @return an open store; close it when done
     * @see #open(String)
     */
    public static StateStore open(String uri, Map<String, ?> options) {
        return open(StoreOptions.parse(uri, options));
    }

    /**
     * Opens a store with options that win over those in the URI's query.
     *
     * @param uri     a store URI
     * @param options backend options
     * @return an open store; close it when done
     * @see #open(String)
     */
    public static StateStore open(URI uri, Map<String, ?> options) {
        return open(StoreOptions.of(uri, options));
    }

    /**
     * Opens the store this process is configured for: the system property {@value #URI_SYSTEM_PROPERTY},
     * else the environment variable {@value #URI_ENVIRONMENT_VARIABLE}, else {@value #DEFAULT_URI}.
     *
     * @return an open store; close it when done
     * @see #open(String)
     */
    public static StateStore openDefault() {
        return open(defaultUri());
    }

    /**
     * Returns the URI {@link #openDefault()} opens.
     *
     * @return the configured URI, or {@value #DEFAULT_URI}
     */
    public static String defaultUri() {
        String uri = System.getProperty(URI_SYSTEM_PROPERTY);
        if (uri == null || uri.isBlank()) {
            uri = System.getenv(URI_ENVIRONMENT_VARIABLE);
        }
        return uri == null || uri.isBlank() ? DEFAULT_URI : uri.trim();
    }

    /**
     * Returns the schemes of the installed backends.
     *
     * @return the schemes, sorted
     */
    public static Set<String> schemes() {
        return new TreeSet<>(discover().providers.keySet());
    }

    private static StateStore open(StoreOptions options) {
        Discovery discovery = discover();
        List<StateStoreProvider> candidates = discovery.providers.get(options.scheme());
        if (candidates == null) {
            throw new IllegalArgumentException("no backend for the scheme \"" + options.scheme() + "\" in "
                    + options.uri() + "; installed schemes: " + discovery.providers.keySet()
                    + ". Put the backend's module (state-memory, state-mapdb, state-hazelcast) on the class"
                    + " path or module path." + discovery.failureReport());
        }
        if (candidates.size() > 1) {
            List<String> names = new ArrayList<>();
            candidates.forEach(p -> names.add(p.getClass().getName()));
            throw new IllegalArgumentException("several backends serve the scheme \"" + options.scheme()
                    + "\": " + names + "; keep one of them on the class path or module path");
        }
        return candidates.get(0).open(options);
    }

    private static final class Discovery {
        final Map<String, List<StateStoreProvider>> providers = new TreeMap<>();
        final List<String> failures = new ArrayList<>();

        String failureReport() {
            return failures.isEmpty() ? "" : " Backends that failed to load: " + String.join("; ", failures);
        }
    }

    /** The last discovery and the context class loader it was made for; one scan serves every open. */
    private static volatile Discovered discovered;

    private record Discovered(ClassLoader contextLoader, Discovery discovery) {
    }

    /**
     * The providers installed for the calling thread's context class loader: found once, then reused while
     * the context class loader stays the same (a container that switches it gets a fresh scan).
     */
    private static Discovery discover() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        Discovered last = discovered;
        if (last == null || last.contextLoader() != context) {
            last = new Discovered(context, scan());
            discovered = last;
        }
        return last.discovery();
    }

    private static Discovery scan() {
        Discovery discovery = new Discovery();
        Set<Class<?>> seen = new java.util.HashSet<>();
        List<ClassLoader> loaders = new ArrayList<>();
        loaders.add(Thread.currentThread().getContextClassLoader());
        loaders.add(StateStores.class.getClassLoader());
        for (ClassLoader loader : loaders) {
            var iterator = ServiceLoader.load(StateStoreProvider.class, loader).iterator();
            while (true) {
                try {
                    if (!iterator.hasNext()) {
                        break;
                    }
                    StateStoreProvider provider = iterator.next();
                    if (seen.add(provider.getClass())) {
                        discovery.providers.computeIfAbsent(provider.scheme(), s -> new ArrayList<>()).add(provider);
                    }
                } catch (ServiceConfigurationError e) {
                    // One broken backend must not hide the others; it is reported if its scheme is asked for.
                    discovery.failures.add(e.getMessage());
                }
            }
        }
        return discovery;
    }
}
