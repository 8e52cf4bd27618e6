package io.statestore.python;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A listening Unix domain socket and its file: mode 0600 before anyone can connect, and removed at close.
 *
 * <p>At a given path, the server first takes the path's {@link SocketLock} and holds it for its whole life:
 * only the holder replaces a stale socket file, binds and renames its socket into place, and removes it at the
 * end, so a second server on the path fails without touching the first one's socket. A private socket lives
 * in a fresh 0700 directory of its own and needs no lock.
 */
final class UnixSocketFile implements AutoCloseable {

    private final ServerSocketChannel channel;
    private final Path path;
    private final Path privateDirectory;
    private final SocketLock lock;

    private UnixSocketFile(ServerSocketChannel channel, Path path, Path privateDirectory, SocketLock lock) {
        this.channel = channel;
        this.path = path;
        this.privateDirectory = privateDirectory;
        this.lock = lock;
    }

    /**
     * Serves a socket in a fresh private (0700) temporary directory.
     *
     * @param backlog the listen backlog
     * @return the bound socket
     * @throws IOException if the directory or the socket cannot be made
     */
    static UnixSocketFile createPrivate(int backlog) throws IOException {
        Path directory = Files.createTempDirectory("statestore-");
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            setPermissions(directory, "rwx------");
            Path target = directory.resolve("bridge.sock");
            // The directory is 0700, so nobody else can reach the socket while its mode is set.
            channel.bind(UnixDomainSocketAddress.of(target), backlog);
            setPermissions(target, "rw-------");
            return new UnixSocketFile(channel, target, directory, null);
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(directory.resolve("bridge.sock"));
            Files.deleteIfExists(directory);
            throw e;
        }
    }

    /**
     * Serves a socket at a path, holding the path's lock for as long as it serves.
     *
     * @param path    the socket path
     * @param backlog the listen backlog
     * @return the bound socket
     * @throws IllegalArgumentException if another server serves there, or the path is not a (stale) socket
     * @throws IOException              if the socket cannot be made
     */
    static UnixSocketFile create(Path path, int backlog) throws IOException {
        Path target = path.toAbsolutePath();
        Path parent = target.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IOException("cannot create the socket " + target + ": its directory does not exist");
        }
        // Checked before the lock too, so that a path that can never be served leaves no lock file behind.
        refuseNonSocket(target);
        SocketLock lock = SocketLock.acquire(target);
        ServerSocketChannel channel = null;
        try {
            removeStaleSocket(target);
            channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            bindThroughPrivateDirectory(channel, target, backlog);
            return new UnixSocketFile(channel, target, null, lock);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            lock.close();
            throw e;
        }
    }

    /**
     * Binds in a fresh 0700 directory beside the target, sets mode 0600, then renames the socket into place:
     * the socket accepts connections from its bind on, and this way nobody can connect before its mode is
     * set. Where that path would be too long for a socket address, binds in place and sets the mode at once.
     */
    private static void bindThroughPrivateDirectory(ServerSocketChannel channel, Path target, int backlog)
            throws IOException {
        Path staging = Files.createTempDirectory(target.getParent(), ".statestore-");
        try {
            setPermissions(staging, "rwx------");
            Path staged = staging.resolve("s");
            if (staged.toString().getBytes(StandardCharsets.UTF_8).length < 100) {
                channel.bind(UnixDomainSocketAddress.of(staged), backlog);
                setPermissions(staged, "rw-------");
                Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
            } else {
                channel.bind(UnixDomainSocketAddress.of(target), backlog);
                setPermissions(target, "rw-------");
            }
        } catch (IOException e) {
            throw new IOException("cannot create the socket " + target + ": " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(staging.resolve("s"));
            Files.deleteIfExists(staging);
        }
    }

    /**
     * Removes a socket file nobody listens on, left by a server that died. Runs only under the path's lock:
     * then no server of ours listens there, and the connection attempt guards against any other kind.
     */
    private static void removeStaleSocket(Path target) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        refuseNonSocket(target);
        try {
            SocketChannel.open(UnixDomainSocketAddress.of(target)).close();
        } catch (ConnectException e) {
            // Nobody listens: a socket file left by a server that died. Replace it.
            Files.deleteIfExists(target);
            return;
        }
        throw new IllegalArgumentException("cannot serve on " + target
                + ": another server is listening there; stop it or choose another path");
    }

    private static void refuseNonSocket(Path target) {
        if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)
                || Files.isSymbolicLink(target)) {
            throw new IllegalArgumentException("cannot serve on " + target
                    + ": the path exists and is not a socket; choose another path or remove it");
        }
    }

    static void setPermissions(Path path, String permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system (Windows): access control of the directory applies instead.
        }
    }

    ServerSocketChannel channel() {
        return channel;
    }

    Path path() {
        return path;
    }

    /**
     * Stops listening and removes the socket file (and the private directory), then releases the path's lock:
     * in that order, so that no other server can have bound the path before the file is removed.
     */
    @Override
    public void close() throws IOException {
        try {
            channel.close();
            Files.deleteIfExists(path);
            if (privateDirectory != null) {
                Files.deleteIfExists(privateDirectory);
            }
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }
}
