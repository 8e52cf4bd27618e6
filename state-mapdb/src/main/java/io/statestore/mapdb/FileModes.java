package io.statestore.mapdb;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Who may read the store's files: the permissions the store gives the files it creates (the store file, its
 * journal and its log) and the directories it creates for them. The owner only by default ({@code 600}: files
 * {@code rw-------}, directories {@code rwx------}), because the files hold the data in the clear; the
 * {@code fileMode} option may widen that to a group that shares the file ({@code 640} or {@code 660}), never to
 * every user. On a file system without POSIX permissions nothing is set.
 *
 * @param files       the permissions of the files
 * @param directories the permissions of the directories, the files' with search added where read is
 */
record FileModes(Set<PosixFilePermission> files, Set<PosixFilePermission> directories) {

    /** The default: the owner alone reads and writes. */
    static final String DEFAULT = "600";

    /**
     * Reads a mode such as {@code 600}, {@code 640} or {@code 660}.
     *
     * @param mode three octal digits
     * @return the modes, or empty with no explanation if the text is not an allowed mode (see {@link
     *         #problem(String)})
     */
    static Optional<FileModes> parse(String mode) {
        return problem(mode) == null ? Optional.of(of(Integer.parseInt(mode, 8))) : Optional.empty();
    }

    /**
     * Says what is wrong with a mode, or {@code null} if it is allowed.
     *
     * @param mode the option's text
     * @return the problem, naming what would be right
     */
    static String problem(String mode) {
        if (!mode.matches("[0-7]{3}")) {
            return "fileMode=" + mode + " is not three octal digits; expected 600 (the owner only, the default),"
                    + " 640 or 660 (a group that shares the file)";
        }
        int bits = Integer.parseInt(mode, 8);
        if ((bits & 0600) != 0600) {
            return "fileMode=" + mode + " does not let the owner read and write the files; expected 600, 640 or 660";
        }
        if ((bits & 0007) != 0 || (bits & 0111) != 0) {
            return "fileMode=" + mode + " would let every local user " + ((bits & 0007) != 0 ? "reach" : "execute")
                    + " the data; expected 600, 640 or 660 (owner and group only, no execute bits)";
        }
        return null;
    }

    private static FileModes of(int bits) {
        Set<PosixFilePermission> files = EnumSet.noneOf(PosixFilePermission.class);
        Set<PosixFilePermission> directories = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE};
        for (int i = 0; i < order.length; i++) {
            if ((bits & (0400 >> i)) != 0) {
                files.add(order[i]);
                directories.add(order[i]);
            }
        }
        if (files.contains(PosixFilePermission.OWNER_READ)) {
            directories.add(PosixFilePermission.OWNER_EXECUTE);
        }
        if (files.contains(PosixFilePermission.GROUP_READ)) {
            directories.add(PosixFilePermission.GROUP_EXECUTE);
        }
        return new FileModes(Set.copyOf(files), Set.copyOf(directories));
    }

    /**
     * Creates a directory and its missing parents, giving the directories it creates (and only those) their
     * permissions.
     *
     * @param directory the directory
     * @throws IOException if one cannot be created
     */
    void createDirectories(Path directory) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path path = directory.toAbsolutePath(); path != null && !Files.isDirectory(path); path = path.getParent()) {
            missing.push(path);
        }
        for (Path path : missing) {
            try {
                if (posix(path.getParent())) {
                    Files.createDirectory(path, attribute(directories));
                    // The umask may have taken bits away; set exactly what was asked.
                    Files.setPosixFilePermissions(path, directories);
                } else {
                    Files.createDirectory(path);
                }
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(path)) {
                    throw e;
                }
            }
        }
    }

    /**
     * Makes sure a file of the store exists with its permissions: creates it, empty, if missing; narrows it
     * if it grants more than the mode allows and this user owns it (a file left by an earlier version, or
     * by a user who widened it by hand).
     *
     * @param file the file
     * @throws IOException if it cannot be created
     */
    void prepareFile(Path file) throws IOException {
        if (!posix(file.getParent())) {
            if (!Files.exists(file)) {
                try {
                    Files.createFile(file);
                } catch (FileAlreadyExistsException e) {
                    // Created meanwhile: fine.
                }
            }
            return;
        }
        try {
            Files.createFile(file, attribute(files));
            Files.setPosixFilePermissions(file, files);
            return;
        } catch (FileAlreadyExistsException e) {
            // Existing: check it below.
        }
        Set<PosixFilePermission> current = Files.getPosixFilePermissions(file);
        if (!files.containsAll(current)) {
            Set<PosixFilePermission> narrowed = EnumSet.copyOf(current);
            narrowed.retainAll(files);
            try {
                Files.setPosixFilePermissions(file, narrowed);
            } catch (IOException | SecurityException notOwner) {
                // Another user's file that the group shares: its owner decides.
            }
        }
    }

    private static boolean posix(Path directory) {
        return directory != null && Files.getFileAttributeView(directory, PosixFileAttributeView.class) != null;
    }

    private static FileAttribute<Set<PosixFilePermission>> attribute(Set<PosixFilePermission> permissions) {
        return PosixFilePermissions.asFileAttribute(permissions);
    }

    @Override
    public String toString() {
        return PosixFilePermissions.toString(files);
    }
}
