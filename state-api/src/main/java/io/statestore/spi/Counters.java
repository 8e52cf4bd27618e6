package io.statestore.spi;

import io.statestore.StateTypeException;
import io.statestore.value.Keys;
import io.statestore.value.Values;
import java.math.BigInteger;

/** Counter arithmetic shared by every backend, so each one throws the same errors for the same cases. */
public final class Counters {

    private Counters() {
    }

    /**
     * Returns a counter's value after adding an amount.
     *
     * @param key     the counter's key, for messages
     * @param current the current value in normal form, or {@code null} when absent (counts as 0)
     * @param amount  the amount to add
     * @return the new value
     * @throws StateTypeException  if {@code current} is not an integer
     * @throws ArithmeticException if {@code current} is outside the long range or the sum overflows
     */
    public static long add(String key, Object current, long amount) {
        if (current == null) {
            return amount;
        }
        if (current instanceof Long) {
            long value = (Long) current;
            long sum = value + amount;
            if (((value ^ sum) & (amount ^ sum)) < 0) {
                throw new ArithmeticException("incr of key \"" + Keys.excerpt(key) + "\" by " + amount
                        + " would overflow a long (it holds " + value + "); the value is unchanged");
            }
            return sum;
        }
        if (current instanceof BigInteger) {
            throw new ArithmeticException("key \"" + Keys.excerpt(key) + "\" holds " + current
                    + ", outside the long range of counters; the value is unchanged");
        }
        throw new StateTypeException("key \"" + Keys.excerpt(key) + "\" holds a " + Values.typeName(current)
                + ", not an integer counter; the value is unchanged");
    }
}
