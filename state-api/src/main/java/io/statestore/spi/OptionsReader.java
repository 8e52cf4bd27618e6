package io.statestore.spi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads a store's options with typed defaults and collects every problem, so a user sees them all at once:
 * each getter records a problem and returns the default when an option is malformed, and
 * {@link #validate()} throws one {@link IllegalArgumentException} listing them, including options no
 * getter asked for (a misspelt name).
 *
 * <pre>{@code
 * OptionsReader r = options.reader();
 * Durability mode = r.choice("durability", Durability.class, Durability.SYNC);
 * long window = r.longValue("commitMillis", 100, 1, 60_000);
 * r.validate();
 * }</pre>
 */
public final class OptionsReader {

    private final StoreOptions options;
    private final Set<String> known = new LinkedHashSet<>();
    private final List<String> problems = new ArrayList<>();

    OptionsReader(StoreOptions options) {
        this.options = options;
    }

    private String raw(String name) {
        known.add(name);
        Object value = options.asMap().get(name);
        return value == null ? null : value.toString().trim();
    }

    /**
     * Tells whether an option was given.
     *
     * @param name the option's name
     * @return {@code true} if the URI or the map has it
     */
    public boolean has(String name) {
        known.add(name);
        return options.asMap().containsKey(name);
    }

    /**
     * Reads a string option.
     *
     * @param name         the option's name
     * @param defaultValue the value when the option is absent
     * @return the value
     */
    public String string(String name, String defaultValue) {
        String value = raw(name);
        return value == null ? defaultValue : value;
    }

    /**
     * Reads a comma-separated list option.
     *
     * @param name the option's name
     * @return the trimmed, non-empty items, or an empty list when the option is absent
     */
    public List<String> list(String name) {
        String value = raw(name);
        if (value == null) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableList());
    }

    /**
     * Reads a whole-number option.
     *
     * @param name         the option's name
     * @param defaultValue the value when the option is absent or malformed
     * @param min          the smallest value allowed
     * @param max          the largest value allowed
     * @return the value
     */
    public long longValue(String name, long defaultValue, long min, long max) {
        String value = raw(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            long parsed = Long.parseLong(value.replace("_", ""));
            if (parsed < min || parsed > max) {
                problem(name + "=" + value + " is out of range; expected " + min + " to " + max);
                return defaultValue;
            }
            return parsed;
        } catch (NumberFormatException e) {
            problem(name + "=" + value + " is not a whole number; expected " + min + " to " + max);
            return defaultValue;
        }
    }

    /**
     * Reads a whole-number option that fits an {@code int}.
     *
     * @param name         the option's name
     * @param defaultValue the value when the option is absent or malformed
     * @param min          the smallest value allowed
     * @param max          the largest value allowed
     * @return the value
     */
    public int intValue(String name, int defaultValue, int min, int max) {
        return (int) longValue(name, defaultValue, min, max);
    }

    /**
     * Reads a boolean option: {@code true}/{@code false}, {@code yes}/{@code no}, {@code on}/{@code off},
     * {@code 1}/{@code 0}, or no value at all ({@code ?flag}) for true.
     *
     * @param name         the option's name
     * @param defaultValue the value when the option is absent or malformed
     * @return the value
     */
    public boolean bool(String name, boolean defaultValue) {
        String value = raw(name);
        if (value == null) {
            return defaultValue;
        }
        switch (value.toLowerCase(Locale.ROOT)) {
            case "":
            case "true":
            case "yes":
            case "on":
            case "1":
                return true;
            case "false":
            case "no":
            case "off":
            case "0":
                return false;
            default:
                problem(name + "=" + value + " is not a boolean; expected true or false");
                return defaultValue;
        }
    }

    /**
     * Reads an option whose value is one of an enum's constants, named case-insensitively with
     * {@code -} or {@code _} between words.
     *
     * @param name         the option's name
     * @param type         the enum
     * @param defaultValue the value when the option is absent or malformed
     * @param <E>          the enum type
     * @return the value
     */
    public <E extends Enum<E>> E choice(String name, Class<E> type, E defaultValue) {
        String value = raw(name);
        if (value == null) {
            return defaultValue;
        }
        String wanted = value.replace('-', '_').toUpperCase(Locale.ROOT);
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(wanted)) {
                return constant;
            }
        }
        problem(name + "=" + value + " is not one of " + Arrays.stream(type.getEnumConstants())
                .map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-')).collect(Collectors.joining(", ")));
        return defaultValue;
    }

    /**
     * Records a problem found by the backend itself, such as two options that contradict each other.
     *
     * @param message what is wrong and what would be right
     */
    public void problem(String message) {
        problems.add(message);
    }

    /**
     * Throws if any option was malformed or unknown.
     *
     * @throws IllegalArgumentException listing every problem and the options this backend knows
     */
    public void validate() {
        List<String> all = new ArrayList<>(problems);
        for (String name : options.asMap().keySet()) {
            if (!known.contains(name)) {
                all.add("unknown option \"" + name + "\"");
            }
        }
        if (!all.isEmpty()) {
            throw new IllegalArgumentException("invalid options for " + options.uri() + ": "
                    + String.join("; ", all) + (known.isEmpty() ? " (" + options.scheme() + " takes no options)"
                    : " (" + options.scheme() + " options: " + String.join(", ", known) + ")"));
        }
    }
}
