package io.statestore.spi;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A store URI taken apart: {@code scheme:target?name=value&name=value}, plus an options map whose entries
 * override the query's. For example {@code mapdb:./data/state.db?durability=sync} has the scheme
 * {@code mapdb}, the target {@code ./data/state.db} and one option. Query values are percent-decoded.
 * Read the options with {@link #reader()}, which checks types and names.
 */
public final class StoreOptions {

    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");

    private final String uri;
    private final String scheme;
    private final String target;
    private final Map<String, Object> options;

    private StoreOptions(String uri, String scheme, String target, Map<String, Object> options) {
        this.uri = uri;
        this.scheme = scheme;
        this.target = target;
        this.options = Collections.unmodifiableMap(options);
    }

    /**
     * Parses a store URI and merges an options map into its query options.
     *
     * @param uri       a store URI such as {@code memory:}, {@code mapdb:./state.db?durability=sync}
     * @param overrides options that win over the URI's query; values are strings, numbers, booleans or
     *                  anything whose {@code toString()} is the option's text
     * @return the parsed options
     * @throws IllegalArgumentException if the URI has no scheme or a malformed query
     */
    public static StoreOptions parse(String uri, Map<String, ?> overrides) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(overrides, "overrides");
        int colon = uri.indexOf(':');
        if (colon <= 0 || !SCHEME.matcher(uri.substring(0, colon)).matches()) {
            throw new IllegalArgumentException("\"" + uri + "\" is not a store URI: expected scheme:target,"
                    + " for example memory:, mapdb:./data/state.db or hazelcast:?members=127.0.0.1:5701");
        }
        String scheme = uri.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
        String rest = uri.substring(colon + 1);
        int question = rest.indexOf('?');
        String target = question < 0 ? rest : rest.substring(0, question);
        Map<String, Object> options = new LinkedHashMap<>();
        if (question >= 0) {
            for (String pair : rest.substring(question + 1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int equals = pair.indexOf('=');
                String name = decode(equals < 0 ? pair : pair.substring(0, equals), uri);
                String value = equals < 0 ? "" : decode(pair.substring(equals + 1), uri);
                if (options.put(name, value) != null) {
                    throw new IllegalArgumentException("the option \"" + name + "\" appears twice in " + uri);
                }
            }
        }
        overrides.forEach((name, value) -> options.put(Objects.requireNonNull(name, "option name"),
                Objects.requireNonNull(value, () -> "the option " + name + " is null")));
        return new StoreOptions(uri, scheme, decode(target, uri), options);
    }

    /**
     * Parses a {@link URI}: its scheme and scheme-specific part, as {@link #parse(String, Map)} does.
     *
     * @param uri       the URI
     * @param overrides options that win over the URI's query
     * @return the parsed options
     */
    public static StoreOptions of(URI uri, Map<String, ?> overrides) {
        if (uri.getScheme() == null) {
            throw new IllegalArgumentException("\"" + uri + "\" has no scheme; expected scheme:target");
        }
        return parse(uri.getScheme() + ":" + uri.getRawSchemeSpecificPart(), overrides);
    }

    private static String decode(String text, String uri) {
        try {
            return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad percent-encoding in " + uri + ": " + e.getMessage(), e);
        }
    }

    /**
     * Returns the URI as given.
     *
     * @return the URI text
     */
    public String uri() {
        return uri;
    }

    /**
     * Returns the scheme, lower case.
     *
     * @return the scheme
     */
    public String scheme() {
        return scheme;
    }

    /**
     * Returns what follows the scheme, up to the query: a file path, a store name, or empty.
     *
     * @return the target, percent-decoded
     */
    public String target() {
        return target;
    }

    /**
     * Returns every option, the query's and the map's.
     *
     * @return an unmodifiable map of option names to values
     */
    public Map<String, Object> asMap() {
        return options;
    }

    /**
     * Returns a reader that checks the options as a backend reads them.
     *
     * @return a new reader
     */
    public OptionsReader reader() {
        return new OptionsReader(this);
    }

    @Override
    public String toString() {
        return uri;
    }
}
