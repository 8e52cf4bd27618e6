package io.statestore.hazelcast;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.SerializationConfig;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * The Hazelcast serialization of this backend: {@link IdentifiedDataSerializable} classes (the stored
 * {@link StateEntry}, the counter and compare-and-set entry processors, the key-prefix predicate) created by
 * one {@link Factory} under {@link #FACTORY_ID}. Every member that holds the map must have this module's jar
 * on its class path (or module path) and the factory registered, either with {@link #configure(Config)} or
 * in its declarative configuration:
 *
 * <pre>{@code
 * hazelcast:
 *   serialization:
 *     data-serializable-factories:
 *       - factory-id: 1398030675
 *         class-name: io.statestore.hazelcast.StateSerialization$Factory
 * }</pre>
 *
 * <p>Clients register it with {@link #configure(ClientConfig)}. Stores this module opens from a URI register
 * it themselves.
 */
public final class StateSerialization {

    /** The factory id of this backend's classes ({@code 0x53544153}, "STAS"). */
    public static final int FACTORY_ID = 0x53544153;

    static final int STATE_ENTRY = 1;
    static final int INCREMENT = 2;
    static final int COMPARE_AND_SET = 3;
    static final int KEY_PREFIX = 4;
    static final int EXPIRY = 5;
    static final int REMOVE = 6;

    private StateSerialization() {
    }

    /**
     * Registers the factory in a member configuration.
     *
     * @param config the configuration, changed in place
     * @return {@code config}
     */
    public static Config configure(Config config) {
        register(config.getSerializationConfig());
        return config;
    }

    /**
     * Registers the factory in a client configuration.
     *
     * @param config the configuration, changed in place
     * @return {@code config}
     */
    public static ClientConfig configure(ClientConfig config) {
        register(config.getSerializationConfig());
        return config;
    }

    private static void register(SerializationConfig serialization) {
        if (!isRegistered(serialization)) {
            serialization.addDataSerializableFactory(FACTORY_ID, new Factory());
        }
    }

    static boolean isRegistered(SerializationConfig serialization) {
        return serialization.getDataSerializableFactories().containsKey(FACTORY_ID)
                || serialization.getDataSerializableFactoryClasses().containsKey(FACTORY_ID);
    }

    /** Creates this backend's serializable objects by class id; public so declarative configs can name it. */
    public static final class Factory implements DataSerializableFactory {

        /** Creates the factory. */
        public Factory() {
        }

        @Override
        public IdentifiedDataSerializable create(int classId) {
            switch (classId) {
                case STATE_ENTRY:
                    return new StateEntry();
                case INCREMENT:
                    return new IncrementProcessor();
                case COMPARE_AND_SET:
                    return new CompareAndSetProcessor();
                case KEY_PREFIX:
                    return new KeyPrefixPredicate();
                case EXPIRY:
                    return new ExpiryProcessor();
                case REMOVE:
                    return new RemoveProcessor();
                default:
                    throw new IllegalArgumentException("unknown statestore class id " + classId
                            + " under factory " + FACTORY_ID + "; are all members on the same statestore version?");
            }
        }
    }
}
