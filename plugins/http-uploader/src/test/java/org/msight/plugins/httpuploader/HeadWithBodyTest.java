package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.impl.BasicHttpTransportMetrics;
import org.apache.hc.core5.http.impl.nio.LengthDelimitedEncoder;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.SessionOutputBuffer;
import org.apache.hc.core5.reactor.IOSession;
import org.apache.hc.core5.util.CharArrayBuffer;
import org.junit.jupiter.api.Test;
import org.msight.api.data.ImageData;
import org.msight.api.data.Metadata;
import org.msight.testkit.TestNodeContext;
import org.msight.testkit.Waits;

/**
 * A request's head goes out in the same system call as its body, every byte in order, whatever
 * the socket takes at a time. The first tests write through HttpCore's own length-delimited
 * encoder, over a socket that records each system call and takes a set number of bytes per call,
 * so partial writes happen where the test says; the last runs the real client against a real
 * server with bodies larger than a socket's send buffer (at most 4 MB by Linux's defaults), so
 * the kernel takes each in several writes.
 */
class HeadWithBodyTest {

    /** HttpCore's chunk size hint, as the uploader sets it: larger bodies are written from their own buffer. */
    private static final int CHUNK_HINT = 64 * 1024;
    private static final byte[] HEAD = "POST /up HTTP/1.1\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BODY = new byte[100_000];

    static {
        new Random(7).nextBytes(BODY);
    }

    private final BasicHttpTransportMetrics metrics = new BasicHttpTransportMetrics();

    @Test
    void theHeadHttpCoreFlushesInFrontOfALargeBodyLeavesInTheBodysSystemCall() throws Exception {
        Socket socket = new Socket(Integer.MAX_VALUE);
        LengthDelimitedEncoder encoder = encoderWithTheHeadBuffered(socket);

        ByteBuffer body = ByteBuffer.wrap(BODY);
        HeadWithBody.write(body, channel(encoder));

        assertThat(socket.calls).containsExactly(HEAD.length + BODY.length);
        assertThat(socket.received()).isEqualTo(concat(HEAD, BODY));
        assertThat(encoder.isCompleted()).isTrue();
        assertThat(metrics.getBytesTransferred()).as("each byte counted once").isEqualTo(HEAD.length + BODY.length);
    }

    @Test
    void whatTheSocketDidNotTakeOfTheHeadGoesFirstInTheNextWrite() throws Exception {
        Socket socket = new Socket(10);
        LengthDelimitedEncoder encoder = encoderWithTheHeadBuffered(socket);

        ByteBuffer body = ByteBuffer.wrap(BODY);
        HeadWithBody.write(body, channel(encoder));
        assertThat(socket.received()).as("the head's first bytes, then what the flush at the end took")
                .isEqualTo(Arrays.copyOf(HEAD, 20));
        assertThat(body.remaining()).as("nothing of the body went before the head").isEqualTo(BODY.length);
        assertThat(encoder.isCompleted()).isFalse();

        socket.takesPerCall = Integer.MAX_VALUE;
        HeadWithBody.write(body, channel(encoder));
        assertThat(socket.received()).isEqualTo(concat(HEAD, BODY));
        assertThat(encoder.isCompleted()).isTrue();
        assertThat(metrics.getBytesTransferred()).as("each byte counted once").isEqualTo(HEAD.length + BODY.length);
    }

    @Test
    void writesWithNoBodyUnderWayGoStraightToTheSocket() throws Exception {
        Socket socket = new Socket(Integer.MAX_VALUE);
        IOSession session = new HeadWithBody(CHUNK_HINT).decorate(socket.session());

        session.write(ByteBuffer.wrap(HEAD));

        assertThat(socket.calls).containsExactly(HEAD.length);
        assertThat(socket.received()).isEqualTo(HEAD);
    }

    @Test
    void bodiesLargerThanTheSocketsSendBufferArriveWhole() throws Exception {
        try (RecordingServer server = RecordingServer.http()) {
            TestNodeContext context = TestNodeContext.of("http-uploader", "url = \"" + server.url("/up") + "\"");
            byte[] image = new byte[6 << 20];
            new Random(11).nextBytes(image);
            List<ImageData> sent = new ArrayList<>();
            try (Uploading uploader = Uploading.open(context)) {
                for (int i = 0; i < 2; i++) {
                    ImageData frame = ImageData.jpeg(Metadata.create("cam", "edge-01", Metadata.now()), image, 1024, 2048);
                    sent.add(frame);
                    uploader.put(frame);
                }
                uploader.flush(Waits.GENEROUS);
            }

            List<byte[]> expected = new ArrayList<>();
            for (ImageData frame : sent) {
                ByteArrayOutputStream json = new ByteArrayOutputStream();
                context.formats().writeJson(frame, json);
                expected.add(json.toByteArray());
            }
            assertThat(server.requests()).hasSize(2).allSatisfy(request -> assertThat(expected)
                    .as("the body of %d bytes is one of the messages' JSON", request.body().length)
                    .anyMatch(json -> Arrays.equals(json, request.body())));
        }
    }

    /** HttpCore's encoder for the body, over the decorated session, with the head in its buffer. */
    private LengthDelimitedEncoder encoderWithTheHeadBuffered(Socket socket) {
        IOSession session = new HeadWithBody(CHUNK_HINT).decorate(socket.session());
        return new LengthDelimitedEncoder(session, new HeadBuffer(), metrics, BODY.length, CHUNK_HINT);
    }

    /** HttpCore's session buffer as the head's commit leaves it: holding the head. */
    private static final class HeadBuffer implements SessionOutputBuffer {
        private final ByteBuffer bytes = ByteBuffer.allocate(CHUNK_HINT).put(HEAD);

        @Override
        public boolean hasData() {
            return bytes.position() > 0;
        }

        @Override
        public int capacity() {
            return bytes.capacity();
        }

        @Override
        public int length() {
            return bytes.position();
        }

        @Override
        public int flush(WritableByteChannel channel) throws IOException {
            bytes.flip();
            try {
                return channel.write(bytes);
            } finally {
                bytes.compact();
            }
        }

        @Override
        public void write(ByteBuffer src) {
            bytes.put(src);
        }

        @Override
        public void write(ReadableByteChannel src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void writeLine(CharArrayBuffer line) {
            throw new UnsupportedOperationException();
        }
    }

    /** The body's stream as JsonBody sees it: writes go to the encoder. */
    private static DataStreamChannel channel(LengthDelimitedEncoder encoder) {
        return new DataStreamChannel() {
            @Override
            public void requestOutput() {
            }

            @Override
            public int write(ByteBuffer body) throws IOException {
                return encoder.write(body);
            }

            @Override
            public void endStream() {
            }

            @Override
            public void endStream(List<? extends Header> trailers) {
            }
        };
    }

    private static byte[] concat(byte[] first, byte[] second) {
        ByteBuffer both = ByteBuffer.allocate(first.length + second.length).put(first).put(second);
        return both.array();
    }

    /** The kernel's side of a connection: takes at most {@code takesPerCall} bytes per system call. */
    private static final class Socket {
        final List<Integer> calls = new ArrayList<>();
        final ByteArrayOutputStream taken = new ByteArrayOutputStream();
        int takesPerCall;

        Socket(int takesPerCall) {
            this.takesPerCall = takesPerCall;
        }

        byte[] received() {
            return taken.toByteArray();
        }

        private long take(ByteBuffer[] sources) {
            long count = 0;
            for (ByteBuffer source : sources) {
                while (source.hasRemaining() && count < takesPerCall) {
                    taken.write(source.get());
                    count++;
                }
            }
            calls.add((int) count);
            return count;
        }

        GatheringByteChannel channel() {
            return (GatheringByteChannel) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {ByteChannel.class, GatheringByteChannel.class}, (proxy, method, args) -> switch (method.getName()) {
                        case "write" -> args[0] instanceof ByteBuffer one ? (Object) (int) take(new ByteBuffer[] {one})
                                : (Object) take((ByteBuffer[]) args[0]);
                        case "isOpen" -> true;
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
        }

        /** A plain connection's session over this socket, as HttpCore's reactor makes it. */
        IOSession session() {
            GatheringByteChannel channel = channel();
            return (IOSession) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {IOSession.class},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "channel" -> channel;
                        case "write" -> channel.write((ByteBuffer) args[0]);
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
        }
    }
}
