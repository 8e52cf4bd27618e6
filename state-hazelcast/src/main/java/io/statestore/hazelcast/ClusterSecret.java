package io.statestore.hazelcast;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret every member and client of one cluster shares, and the Hazelcast cluster name derived from it.
 *
 * <p>Hazelcast open source authenticates nothing but the cluster name: a member whose cluster name differs is
 * not let in, and neither is a client. Deriving the name from a secret turns that check into a password
 * check, so a process without the secret cannot connect to a member's port or join the cluster. The
 * derived name crosses the network in the clear (Hazelcast has no TLS in open source): it protects against
 * anyone who can reach the port, not against anyone who can watch the traffic.
 *
 * <p>{@link #toString()} names where the secret came from, never the secret.
 */
final class ClusterSecret {

    /** The environment variable a secret is read from when no option gives one: {@value}. */
    static final String ENVIRONMENT_VARIABLE = "STATESTORE_CLUSTER_SECRET";
    /** The shortest secret accepted, in characters. */
    static final int MIN_LENGTH = 16;
    /** A secret file is one line; anything larger is the wrong file. */
    static final int MAX_FILE_BYTES = 4096;

    private static final Set<PosixFilePermission> SHARED = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
    /** Separates the derivation's purpose from the cluster name, so the MAC is used for nothing else. */
    private static final String PURPOSE = "statestore hazelcast cluster name\u0000";
    /** 128 bits of the MAC, as hex: far beyond guessing through connection attempts. */
    private static final int NAME_HEX_DIGITS = 32;

    private final byte[] key;
    private final String source;
    private final boolean random;

    private ClusterSecret(byte[] key, String source, boolean random) {
        this.key = key;
        this.source = source;
        this.random = random;
    }

    /**
     * A secret given as text.
     *
     * @param secret the text
     * @param source where it came from, for messages
     * @throws IllegalArgumentException if it is shorter than {@link #MIN_LENGTH}
     */
    static ClusterSecret of(String secret, String source) {
        String text = secret.strip();
        if (text.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("the cluster secret from " + source + " has " + text.length()
                    + " characters; use at least " + MIN_LENGTH + " random ones, for example the output of"
                    + " head -c 32 /dev/urandom | base64");
        }
        return new ClusterSecret(text.getBytes(StandardCharsets.UTF_8), source, false);
    }

    /**
     * A secret read from a file that only its owner may read and change.
     *
     * @param file the file
     * @throws IllegalArgumentException if the file is missing, shared with other users, too large or too short
     */
    static ClusterSecret fromFile(Path file) {
        String source = "secretFile " + file;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(source + " is not a readable file");
        }
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.stream().anyMatch(SHARED::contains)) {
                throw new IllegalArgumentException(source + " can be read or changed by other users ("
                        + PosixFilePermissions.toString(permissions) + "); make it private with chmod 600 " + file);
            }
        } catch (UnsupportedOperationException notPosix) {
            // Not a POSIX file system: its own access control lists decide who reads the file.
        } catch (IOException e) {
            throw new IllegalArgumentException(source + " cannot be read: " + e.getMessage(), e);
        }
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new IllegalArgumentException(source + " has " + size + " bytes; a secret file holds one"
                        + " line of at most " + MAX_FILE_BYTES + " bytes");
            }
            return of(Files.readString(file, StandardCharsets.UTF_8), source);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** A fresh random secret that nobody else has: the member that uses it is a cluster of its own. */
    static ClusterSecret random() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return new ClusterSecret(Base64.getEncoder().encode(bytes), "a random secret (a private member)", true);
    }

    /** Whether this secret was made up for a member that nobody else may reach. */
    boolean isRandom() {
        return random;
    }

    /**
     * The Hazelcast cluster name for a cluster: the name, a dash, and 128 bits of an HMAC-SHA256 of it keyed
     * by the secret. The same secret and cluster always give the same name; without the secret it cannot be
     * computed.
     *
     * @param cluster the {@code cluster} option
     * @return the cluster name members and clients present to each other
     */
    String clusterName(String cluster) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] digest = mac.doFinal((PURPOSE + cluster).getBytes(StandardCharsets.UTF_8));
            return cluster + "-" + HexFormat.of().formatHex(digest).substring(0, NAME_HEX_DIGITS);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256, which every JDK has, is missing", e);
        }
    }

    @Override
    public String toString() {
        return source;
    }
}
