package org.apache.dubbo.samples.peer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Byte relays between TCP on this network namespace's loopback and Unix
 * sockets in the file system, which the Go test on the host's loopback
 * reaches: the peer runs in a namespace of its own (Dubbo binds 0.0.0.0
 * whatever 127.x host it is given), and the relays are its only way out.
 * Each relay runs on daemon threads until the process ends.
 */
final class Relay {
    private Relay() {}

    /** Accepts on the Unix socket path and connects each to 127.0.0.1:port. */
    static void unixToTcp(String path, int port) throws IOException {
        Files.deleteIfExists(Path.of(path));
        ServerSocketChannel ln = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ln.bind(UnixDomainSocketAddress.of(path));
        InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        acceptLoop(ln, () -> SocketChannel.open(to));
    }

    /** Accepts on 127.0.0.1:port and connects each to the Unix socket path. */
    static void tcpToUnix(int port, String path) throws IOException {
        ServerSocketChannel ln = ServerSocketChannel.open();
        ln.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        UnixDomainSocketAddress to = UnixDomainSocketAddress.of(path);
        acceptLoop(ln, () -> SocketChannel.open(to));
    }

    private interface Dialer {
        SocketChannel dial() throws IOException;
    }

    private static void acceptLoop(ServerSocketChannel ln, Dialer dialer) {
        daemon(() -> {
            while (true) {
                SocketChannel in;
                try {
                    in = ln.accept();
                } catch (IOException e) {
                    return;
                }
                try {
                    SocketChannel out = dialer.dial();
                    daemon(() -> copy(in, out));
                    daemon(() -> copy(out, in));
                } catch (IOException e) {
                    close(in);
                }
            }
        });
    }

    /** Copies until EOF, then half-closes the other side, as TCP would. */
    private static void copy(SocketChannel from, SocketChannel to) {
        ByteBuffer buf = ByteBuffer.allocate(64 << 10);
        try {
            while (from.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    to.write(buf);
                }
                buf.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            close(from);
            close(to);
        }
    }

    private static void close(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r, "relay");
        t.setDaemon(true);
        t.start();
    }
}
