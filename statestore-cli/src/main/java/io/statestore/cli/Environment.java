package io.statestore.cli;

import java.util.Locale;
import java.util.Set;
import java.util.function.UnaryOperator;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The process environment the commands read, and the defaults {@code serve} takes from it: each option
 * {@code --some-name} defaults to the variable {@code STATESTORE_SOME_NAME} (so {@code --store} to
 * {@code STATESTORE_STORE}, {@code --max-connections} to {@code STATESTORE_MAX_CONNECTIONS}), which lets one
 * container image serve every deployment. An option given on the command line wins over its variable.
 */
public final class Environment implements IDefaultValueProvider {

    /** The prefix of every variable the commands read. */
    static final String PREFIX = "STATESTORE_";

    /** Where variables are read from; tests replace it. */
    static UnaryOperator<String> variables = System::getenv;

    /**
     * Options with no variable of their own: {@code --token} (STATESTORE_TOKEN is read as the token whichever
     * way it is given, see {@link BridgeSettings}) and picocli's own.
     */
    private static final Set<String> NOT_FROM_THE_ENVIRONMENT = Set.of("--token", "--help", "--version");

    /** Creates the provider; picocli calls this. */
    public Environment() {
    }

    /** The variable that gives {@code option} its default, such as STATESTORE_MAX_CONNECTIONS. */
    static String variableOf(String option) {
        return PREFIX + option.replaceFirst("^--", "").replace('-', '_').toUpperCase(Locale.ROOT);
    }

    @Override
    public String defaultValue(ArgSpec argument) {
        if (!(argument instanceof OptionSpec option) || NOT_FROM_THE_ENVIRONMENT.contains(option.longestName())) {
            return null;
        }
        String value = variables.apply(variableOf(option.longestName()));
        return value == null || value.isBlank() ? null : value;
    }
}
