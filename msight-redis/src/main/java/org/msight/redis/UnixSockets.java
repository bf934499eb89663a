package org.msight.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisSocketFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.util.IOUtils;

/**
 * Connections to Redis over a unix socket ({@code MSIGHT_REDIS_MESSAGE_BROKER_UNIX_SOCKET_PATH}),
 * with the JDK's own unix-domain channels. Jedis reads and writes a {@link Socket}, which a
 * unix channel cannot give, so each connection is a socket whose streams read and write the
 * channel directly: a read waiting for a message does not hold up a write (the subscriber's
 * pings), as the JDK's channel streams would. The channel does not block: reads and connecting
 * wait on a selector, so the connect and socket timeouts apply as they do over TCP (a frozen
 * Redis fails a command instead of holding it for good); a write waits without a limit, as over
 * TCP, until the socket is closed.
 */
final class UnixSockets implements JedisSocketFactory {

    private final Path path;
    private final int connectTimeoutMillis;
    private final int socketTimeoutMillis;

    UnixSockets(Path path, JedisClientConfig config) {
        this.path = path;
        this.connectTimeoutMillis = config.getConnectionTimeoutMillis();
        this.socketTimeoutMillis = config.getSocketTimeoutMillis();
    }

    @Override
    public Socket createSocket() {
        ChannelSocket socket = null;
        try {
            socket = new ChannelSocket(SocketChannel.open(StandardProtocolFamily.UNIX));
            socket.connectTo(UnixDomainSocketAddress.of(path), connectTimeoutMillis);
            socket.setSoTimeout(socketTimeoutMillis);
            return socket;
        } catch (IOException | RuntimeException e) {
            IOUtils.closeQuietly(socket);
            throw new JedisConnectionException(path + ": " + e.getMessage(), e);
        }
    }

    /** A unix channel seen as the socket Jedis expects; socket options other than the timeout do not apply. */
    private static final class ChannelSocket extends Socket {

        private static final long NO_DEADLINE = Long.MAX_VALUE;

        private final SocketChannel channel;
        private final Selector readable;
        private final Selector writable;
        private final InputStream in;
        private final OutputStream out;
        private volatile int timeoutMillis;

        ChannelSocket(SocketChannel channel) throws IOException {
            this.channel = channel;
            try {
                channel.configureBlocking(false);
                readable = Selector.open();
                writable = Selector.open();
            } catch (IOException e) {
                close();
                throw e;
            }
            this.in = new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] bytes, int offset, int length) throws IOException {
                    if (length == 0) {
                        return 0;
                    }
                    ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
                    long deadline = deadline(timeoutMillis);
                    int read;
                    while ((read = channel.read(buffer)) == 0) {
                        await(readable, deadline, "Read timed out");
                    }
                    return read;
                }
            };
            this.out = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] bytes, int offset, int length) throws IOException {
                    ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
                    while (buffer.hasRemaining()) {
                        if (channel.write(buffer) == 0) {
                            await(writable, NO_DEADLINE, null);
                        }
                    }
                }
            };
        }

        /** Connects, waiting at most {@code millis} (0: no limit). */
        void connectTo(UnixDomainSocketAddress address, int millis) throws IOException {
            channel.register(readable, SelectionKey.OP_CONNECT);
            long deadline = deadline(millis);
            if (!channel.connect(address)) {
                while (!channel.finishConnect()) {
                    await(readable, deadline, "Connect timed out");
                }
            }
            channel.keyFor(readable).interestOps(SelectionKey.OP_READ);
            channel.register(writable, SelectionKey.OP_WRITE);
        }

        private static long deadline(int millis) {
            return millis == 0 ? NO_DEADLINE : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        }

        /**
         * Waits until the channel may be ready for what {@code selector} selects; throws
         * {@code timedOut} when {@code deadline} ({@link System#nanoTime()}) has passed, or, as a
         * blocking channel would, closes the socket when the thread is interrupted.
         */
        private void await(Selector selector, long deadline, String timedOut) throws IOException {
            long millis = 0; // no limit
            if (deadline != NO_DEADLINE) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException(timedOut);
                }
                millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(left));
            }
            if (Thread.currentThread().isInterrupted()) {
                close();
                throw new ClosedByInterruptException();
            }
            try {
                selector.select(key -> { }, millis);
            } catch (ClosedSelectorException e) {
                throw new ClosedChannelException(); // closed meanwhile
            }
        }

        @Override
        public InputStream getInputStream() {
            return in;
        }

        @Override
        public OutputStream getOutputStream() {
            return out;
        }

        @Override
        public boolean isConnected() {
            return channel.isConnected();
        }

        @Override
        public boolean isBound() {
            return true;
        }

        /** The channel's address; {@link Socket}'s own would open a TCP socket, never closed, to ask. */
        @Override
        public SocketAddress getLocalSocketAddress() {
            try {
                return channel.getLocalAddress();
            } catch (IOException e) { // closed
                return null;
            }
        }

        @Override
        public boolean isClosed() {
            return !channel.isOpen();
        }

        @Override
        public boolean isInputShutdown() {
            return false;
        }

        @Override
        public boolean isOutputShutdown() {
            return false;
        }

        /** How long a read waits for data; 0: no limit. */
        @Override
        public void setSoTimeout(int timeout) {
            timeoutMillis = timeout;
        }

        @Override
        public int getSoTimeout() {
            return timeoutMillis;
        }

        @Override
        public void setTcpNoDelay(boolean on) {
            // not TCP
        }

        @Override
        public void setKeepAlive(boolean on) {
            // not TCP
        }

        @Override
        public void setSoLinger(boolean on, int linger) {
            // not TCP
        }

        @Override
        public void setReuseAddress(boolean on) {
            // not TCP
        }

        /** Closes the channel, and the selectors, which wakes a thread waiting on them and lets the channel go. */
        @Override
        public synchronized void close() throws IOException {
            try {
                channel.close();
            } finally {
                closeQuietly(readable);
                closeQuietly(writable);
            }
        }

        private static void closeQuietly(Selector selector) {
            try {
                if (selector != null) {
                    selector.close();
                }
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
