package io.statestore.benchmarks.bridge;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

/**
 * The reference for bridge benchmarks: reads length-prefixed frames and writes each back unchanged, with
 * the bridge's framing (4-byte big-endian length, then the payload), its socket and thread model (blocking
 * channels, a thread per connection) and its flushing rule (replies leave when no further complete frame is
 * buffered). What a bridge round trip costs beyond this is the cost of decoding, the store and encoding.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.statestore.benchmarks.bridge.EchoServer unix:/path/to.sock}
 * or {@code ... tcp:127.0.0.1:0}. Prints {@code STATESTORE_ADDRESS=<address>} and {@code ready}, then echoes
 * until killed; removes the socket file on SIGTERM/SIGINT. Frames above 16 MiB close the connection.
 *
 * <p>With {@code --event-loop} every connection is served by one thread instead, over a {@link Selector}
 * with non-blocking channels (the model of Redis): the reference for what a server costs with many clients
 * and few threads. Frames there are at most 64 KiB, as a benchmark's are.
 */
public final class EchoServer {

    private static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;

    private EchoServer() {
    }

    /**
     * Runs the echo server.
     *
     * @param args one address: {@code unix:PATH} or {@code tcp:HOST:PORT}
     * @throws Exception if the address cannot be bound
     */
    public static void main(String[] args) throws Exception {
        boolean eventLoop = args.length == 2 && args[1].equals("--event-loop");
        if (args.length != 1 && !eventLoop || !(args[0].startsWith("unix:") || args[0].startsWith("tcp:"))) {
            System.err.println("usage: EchoServer unix:/path/to.sock | tcp:127.0.0.1:PORT [--event-loop]");
            System.exit(2);
        }
        String address = args[0];
        ServerSocketChannel server;
        String bound;
        Path socketFile = null;
        if (address.startsWith("unix:")) {
            socketFile = Path.of(address.substring("unix:".length())).toAbsolutePath();
            Files.deleteIfExists(socketFile);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socketFile));
            Files.setPosixFilePermissions(socketFile, PosixFilePermissions.fromString("rw-------"));
            bound = "unix:" + socketFile;
        } else {
            String hostPort = address.substring("tcp:".length());
            int colon = hostPort.lastIndexOf(':');
            String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
            server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1))));
            InetSocketAddress local = (InetSocketAddress) server.getLocalAddress();
            bound = "tcp:" + local.getAddress().getHostAddress() + ":" + local.getPort();
        }
        Path toRemove = socketFile;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
                if (toRemove != null) {
                    Files.deleteIfExists(toRemove);
                }
            } catch (IOException ignored) {
                // Exiting anyway.
            }
            stopped.countDown();
        }));
        System.out.println("STATESTORE_ADDRESS=" + bound);
        System.out.println("ready");
        System.out.flush();
        EventLoop loop = eventLoop ? new EventLoop() : null;
        Thread acceptor = new Thread(() -> accept(server, loop), "echo-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        stopped.await();
    }

    private static void accept(ServerSocketChannel server, EventLoop loop) {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                SocketAddress local = client.getLocalAddress();
                if (local instanceof InetSocketAddress) {
                    client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                }
                if (loop != null) {
                    loop.add(client);
                    continue;
                }
                Thread thread = new Thread(() -> echo(client), "echo-connection");
                thread.setDaemon(true);
                thread.start();
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    private static void echo(SocketChannel client) {
        ByteBuffer in = ByteBuffer.allocate(64 * 1024).flip();
        ByteBuffer out = ByteBuffer.allocate(64 * 1024);
        try (client) {
            while (true) {
                if (!fill(client, in, 4, true)) {
                    return;
                }
                int length = in.getInt();
                if (length <= 0 || length > MAX_FRAME_BYTES) {
                    return;
                }
                byte[] frame = new byte[length];
                if (length <= in.capacity()) {
                    fill(client, in, length, false);
                    in.get(frame);
                } else {
                    int have = in.remaining();
                    in.get(frame, 0, have);
                    ByteBuffer rest = ByteBuffer.wrap(frame, have, length - have);
                    while (rest.hasRemaining()) {
                        if (client.read(rest) < 0) {
                            throw new EOFException();
                        }
                    }
                }
                // Copied out and back like a reply is built, so the work per frame matches the bridge's.
                if (out.remaining() < 4 + length) {
                    flush(client, out);
                    if (out.capacity() < 4 + length) {
                        out = ByteBuffer.allocate(4 + length);
                    }
                }
                out.putInt(length).put(frame);
                if (!completeFrameBuffered(in)) {
                    flush(client, out);
                }
            }
        } catch (IOException e) {
            // The client went away; nothing to report for a benchmark reference.
        }
    }

    private static boolean completeFrameBuffered(ByteBuffer in) {
        return in.remaining() >= 4 && in.remaining() - 4 >= (in.getInt(in.position()) & 0xFFFF_FFFFL);
    }

    private static boolean fill(SocketChannel client, ByteBuffer in, int count, boolean mayEnd) throws IOException {
        if (in.remaining() >= count) {
            return true;
        }
        boolean atStart = !in.hasRemaining();
        in.compact();
        try {
            while (in.position() < count) {
                if (client.read(in) < 0) {
                    if (mayEnd && atStart && in.position() == 0) {
                        return false;
                    }
                    throw new EOFException();
                }
            }
        } finally {
            in.flip();
        }
        return true;
    }

    private static void flush(SocketChannel client, ByteBuffer out) throws IOException {
        out.flip();
        while (out.hasRemaining()) {
            client.write(out);
        }
        out.clear();
    }

    /** One thread serving every connection through a selector: reads what is ready, echoes every whole frame. */
    private static final class EventLoop implements Runnable {
        private final Selector selector;
        private final Queue<SocketChannel> added = new ConcurrentLinkedQueue<>();

        EventLoop() throws IOException {
            selector = Selector.open();
            Thread thread = new Thread(this, "echo-event-loop");
            thread.setDaemon(true);
            thread.start();
        }

        void add(SocketChannel client) {
            added.add(client);
            selector.wakeup();
        }

        @Override
        public void run() {
            while (true) {
                try {
                    selector.select();
                    for (SocketChannel client; (client = added.poll()) != null; ) {
                        client.configureBlocking(false);
                        client.register(selector, SelectionKey.OP_READ, new ByteBuffer[] {
                                ByteBuffer.allocate(64 * 1024), ByteBuffer.allocate(64 * 1024)});
                    }
                    for (SelectionKey key : selector.selectedKeys()) {
                        serve(key);
                    }
                    selector.selectedKeys().clear();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private static void serve(SelectionKey key) {
            SocketChannel client = (SocketChannel) key.channel();
            ByteBuffer[] buffers = (ByteBuffer[]) key.attachment();
            ByteBuffer in = buffers[0];
            ByteBuffer out = buffers[1];
            try {
                if (key.isReadable() && client.read(in) < 0) {
                    throw new EOFException();
                }
                in.flip();
                while (completeFrameBuffered(in) && out.remaining() >= in.getInt(in.position()) + 4) {
                    int length = in.getInt();
                    byte[] frame = new byte[length];
                    in.get(frame);
                    out.putInt(length).put(frame);
                }
                in.compact();
                out.flip();
                client.write(out);
                out.compact();
                key.interestOps(out.position() > 0 ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            } catch (IOException | RuntimeException e) {
                key.cancel();
                try {
                    client.close();
                } catch (IOException ignored) {
                    // Closing anyway.
                }
            }
        }
    }
}
