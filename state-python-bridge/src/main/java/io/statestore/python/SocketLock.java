package io.statestore.python;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;

/**
 * The lock beside a Unix socket path, {@code PATH.lock}, that lets one server at a time own the path. A
 * server takes it before it looks at the path and holds it until it has removed its socket, so a second
 * server can neither bind over the first one's socket nor remove it, however many start at once.
 *
 * <p>The lock is {@link FileChannel#tryLock()} on the file (an advisory POSIX lock): the operating system
 * releases it when its process ends, however it ends, so a crashed server never blocks the next one. The file
 * is created with mode 0600 and names the holder's process id while held. It stays when the server ends:
 * deleting it would let a server that opened it a moment earlier lock a file that no longer has the name,
 * while a newcomer locks a new one, and both would serve.
 *
 * <p>POSIX also releases every lock a process holds on a file as soon as the process closes <em>any</em>
 * descriptor of it. So a bridge must never open the lock file of another bridge of the same JVM, not even to
 * find it taken: the lock files held in this JVM are remembered, and a second bridge on one of them is told
 * the path is taken without touching the file.
 */
final class SocketLock implements AutoCloseable {

    /** Guards {@link #HELD} and every open, lock and release, so that the check and the lock are one step. */
    private static final Object REGISTRY = new Object();
    /** The lock files (by file key) that bridges of this JVM hold. */
    private static final Set<Object> HELD = new HashSet<>();

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private final Object fileKey;

    private SocketLock(Path path, FileChannel channel, FileLock lock, Object fileKey) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        this.fileKey = fileKey;
    }

    /**
     * Returns the lock file of a socket path: the path with {@code .lock} appended.
     *
     * @param socket the socket path
     * @return {@code socket + ".lock"}
     */
    static Path lockFile(Path socket) {
        return socket.resolveSibling(socket.getFileName() + ".lock");
    }

    /**
     * Takes the lock of a socket path.
     *
     * @param socket the socket path
     * @return the held lock; {@link #close()} releases it
     * @throws IllegalArgumentException if another server, in this process or another, holds it
     * @throws IOException              if the lock file cannot be created or locked
     */
    static SocketLock acquire(Path socket) throws IOException {
        Path path = lockFile(socket);
        synchronized (REGISTRY) {
            Object known = fileKey(path);
            if (known != null && HELD.contains(known)) {
                throw taken(socket, path, "another bridge in this process");
            }
            FileChannel channel = open(path);
            try {
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null;
                }
                if (lock == null) {
                    throw taken(socket, path, holder(channel));
                }
                Object key = fileKey(path);
                channel.truncate(0);
                channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
                HELD.add(key);
                return new SocketLock(path, channel, lock, key);
            } catch (IOException | RuntimeException e) {
                // Safe: this JVM holds no lock on this file (checked above), so closing releases nobody's.
                channel.close();
                throw e;
            }
        }
    }

    private static FileChannel open(Path path) throws IOException {
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("cannot lock " + path + ": it exists and is not a regular file;"
                    + " remove it or choose another socket path");
        }
        Set<OpenOption> options = Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        try {
            try {
                return FileChannel.open(path, options,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                // Not a POSIX file system: access control of the directory applies instead.
                return FileChannel.open(path, options);
            }
        } catch (IOException e) {
            throw new IOException("cannot create the lock file " + path + ": " + e.getMessage(), e);
        }
    }

    private static Object fileKey(Path path) throws IOException {
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return attributes.fileKey() != null ? attributes.fileKey() : path.toAbsolutePath().normalize();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** What the lock file says of its holder, read through the channel already open (see the class comment). */
    private static String holder(FileChannel channel) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(32);
            channel.read(buffer, 0);
            String pid = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).trim();
            return pid.matches("[0-9]+") ? "another server (pid " + pid + ")" : "another server";
        } catch (IOException e) {
            return "another server";
        }
    }

    private static IllegalArgumentException taken(Path socket, Path lockFile, String holder) {
        return new IllegalArgumentException("cannot serve on " + socket + ": " + holder + " is serving there (it"
                + " holds " + lockFile.getFileName() + "); stop it or choose another path");
    }

    /** Releases the lock; the file stays (see the class comment). Call after the socket is removed. */
    @Override
    public void close() throws IOException {
        synchronized (REGISTRY) {
            try {
                if (channel.isOpen()) {
                    channel.truncate(0);
                    lock.release();
                }
            } finally {
                channel.close();
                HELD.remove(fileKey);
            }
        }
    }

    @Override
    public String toString() {
        return "lock " + path;
    }
}
