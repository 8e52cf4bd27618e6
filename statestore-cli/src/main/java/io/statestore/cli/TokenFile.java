package io.statestore.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Reads a bridge token from a file, as {@code --token-file} names it: the first line, trimmed. Like ssh with a
 * private key, refuses a file other users may read or write: the token is the only thing between them and
 * the data.
 */
final class TokenFile {

    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    private TokenFile() {
    }

    /**
     * Reads the token.
     *
     * @param file the token file
     * @return its first line, trimmed
     * @throws IllegalArgumentException if the file is open to other users, is a directory, or holds no token
     * @throws IOException              if it cannot be read
     */
    static String read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("the token file " + file + " is a directory; give the file whose"
                    + " first line is the token");
        }
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("the token file " + file + " does not exist");
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: access control of the file system applies instead.
            permissions = Set.of();
        }
        Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
        open.addAll(permissions);
        open.retainAll(OTHERS);
        if (!open.isEmpty()) {
            throw new IllegalArgumentException("the token file " + file + " may be read or written by other users"
                    + " (mode " + PosixFilePermissions.toString(permissions) + "); refusing to use it: make it"
                    + " private with chmod 600 " + file + ", and choose a new token if others could read it");
        }
        String first;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            first = reader.readLine();
        } catch (IOException e) {
            throw new IOException("cannot read the token file " + file + ": " + e.getMessage(), e);
        }
        String token = first == null ? "" : first.strip();
        if (token.isEmpty()) {
            throw new IllegalArgumentException("the token file " + file + " holds no token: its first line is empty");
        }
        return token;
    }
}
