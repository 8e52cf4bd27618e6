package io.statestore.cli;

import io.statestore.StateStore;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A terminal command on one store: reaches it as {@link StoreAccess} says (a running bridge, or {@code --store}),
 * runs, and closes it. The commands that print one answer ({@code del}, {@code ttl}, {@code expire},
 * {@code persist}, {@code incr}) only say what that answer is.
 */
abstract class StoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreAccess access;

    @Override
    public final Integer call() throws Exception {
        try (StateStore store = access.open()) {
            PrintWriter out = spec.commandLine().getOut();
            int status = run(store, out);
            out.flush();
            return status;
        }
    }

    /**
     * Does the command's work on the open store; by default prints {@link #answer} on a line.
     *
     * @return the exit status
     */
    int run(StateStore store, PrintWriter out) throws Exception {
        out.println(answer(store));
        return 0;
    }

    /** What the command prints, for the commands that print one answer. */
    Object answer(StateStore store) throws Exception {
        throw new UnsupportedOperationException(spec.name() + " prints no single answer");
    }
}
