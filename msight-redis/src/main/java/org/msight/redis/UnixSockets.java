package org.msight.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import redis.clients.jedis.JedisSocketFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Connections to Redis over a unix socket ({@code MSIGHT_REDIS_MESSAGE_BROKER_UNIX_SOCKET_PATH}),
 * with the JDK's own unix-domain channels. Jedis reads and writes a {@link Socket}, which a
 * unix channel cannot give, so each connection is a socket whose streams read and write the
 * channel directly: a read waiting for a message does not hold up a write (the subscriber's
 * pings), as the JDK's channel streams would. Read time limits do not apply to a unix socket;
 * the subscriber's keep-alive notices a silent server all the same.
 */
final class UnixSockets implements JedisSocketFactory {

    private final Path path;

    UnixSockets(Path path) {
        this.path = path;
    }

    @Override
    public Socket createSocket() {
        try {
            return new ChannelSocket(SocketChannel.open(UnixDomainSocketAddress.of(path)));
        } catch (IOException | RuntimeException e) {
            throw new JedisConnectionException(path + ": " + e.getMessage(), e);
        }
    }

    /** A connected unix channel seen as the socket Jedis expects; socket options do not apply. */
    private static final class ChannelSocket extends Socket {

        private final SocketChannel channel;
        private final InputStream in;
        private final OutputStream out;

        ChannelSocket(SocketChannel channel) {
            this.channel = channel;
            this.in = new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] bytes, int offset, int length) throws IOException {
                    return length == 0 ? 0 : channel.read(ByteBuffer.wrap(bytes, offset, length));
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
                        channel.write(buffer);
                    }
                }
            };
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

        @Override
        public void setSoTimeout(int timeout) {
            // a unix channel read has no time limit
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

        @Override
        public synchronized void close() throws IOException {
            channel.close();
        }
    }
}
