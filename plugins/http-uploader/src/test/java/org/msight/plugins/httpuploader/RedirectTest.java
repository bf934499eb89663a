package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.api.data.ImageData;
import org.msight.testkit.RecordingLogger;
import org.msight.testkit.TestNodeContext;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;

/**
 * Redirects as MSight's requests follows them: a 307 or 308 sends the same POST to its Location,
 * the credentials only to the same host; others are refused, as following them loses the body.
 */
class RedirectTest {

    /** A name of the test's own DNS for the loopback address: another host than 127.0.0.1 to requests' rule. */
    private static final String OTHER_HOST = "uploads.test";
    /** Another, with a '_', which Java's URI finds no host in: the uploader takes such a url. */
    private static final String UNDERSCORED_HOST = "msight_server";

    private final RecordingLogger log = new RecordingLogger("uploader");
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private Uploading uploader;

    /** A request that reached {@code /final}. */
    private record Received(String query, Headers headers, byte[] body) {
    }

    RedirectTest() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/final", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders(), body));
            answer(exchange, 200, null);
        });
        server.createContext("/307", exchange -> answer(exchange, 307, "/final?" + query(exchange)));
        server.createContext("/308", exchange -> answer(exchange, 308, "/final?" + query(exchange)));
        server.createContext("/elsewhere", exchange -> answer(exchange, 307, "http://" + OTHER_HOST + ":" + port()
                + "/final?" + query(exchange)));
        server.createContext("/query", exchange -> {
            if (query(exchange).endsWith("&moved=1")) {
                received.add(new Received(exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders(),
                        new byte[0]));
                answer(exchange, 200, null);
            } else {
                answer(exchange, 307, "?" + exchange.getRequestURI().getRawQuery() + "&moved=1");
            }
        });
        server.createContext("/unquoted", exchange -> answer(exchange, 307, new String(("/x/../final?" + query(exchange)
                + "&place=front door&name=caf\u00e9&kept=%7e%2F%zz&ids[]=1").getBytes(StandardCharsets.UTF_8),
                StandardCharsets.ISO_8859_1))); // UTF-8 bytes, as a server sends them
        server.createContext("/emptied", exchange -> answer(exchange, 307, "/final?"));
        server.createContext("/301", exchange -> answer(exchange, 301, "/final"));
        server.createContext("/loop", exchange -> answer(exchange, 307, "/loop"));
        server.start();
    }

    @AfterEach
    void stop() {
        if (uploader != null) {
            uploader.close();
        }
        server.stop(0);
    }

    private int port() {
        return server.getAddress().getPort();
    }

    private static String query(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        return exchange.getRequestURI().getRawQuery();
    }

    private static void answer(HttpExchange exchange, int status, String location) throws IOException {
        exchange.getRequestBody().readAllBytes();
        if (location != null) {
            exchange.getResponseHeaders().set("Location", location);
        }
        byte[] body = ("{\"status\": " + status + "}").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    /** Opens an uploader to {@code path} of the server, with the url's credentials and an API key header. */
    private TestNodeContext open(String path, String more) throws Exception {
        return openAt("127.0.0.1", path, more);
    }

    /** Opens an uploader to {@code path} of the server as {@code host} names it. */
    private TestNodeContext openAt(String host, String path, String more) throws Exception {
        TestNodeContext context = TestNodeContext.of("http-uploader", "url = \"http://lab:s3cret@" + host + ":" + port()
                + path + "\", headers { X-Api-Key = k3y-k3y }, retry { initial = 10ms, max = 10ms }" + more)
                .withLogger(log);
        uploader = Uploading.open(context, name -> name.equals(OTHER_HOST) || name.equals(UNDERSCORED_HOST)
                ? new InetAddress[] {InetAddress.getLoopbackAddress()} : InetAddress.getAllByName(name));
        return context;
    }

    private void upload(int frames) throws InterruptedException {
        for (int i = 0; i < frames; i++) {
            uploader.put(Frames.next("cam"));
        }
        uploader.flush(Waits.GENEROUS);
    }

    @ParameterizedTest
    @ValueSource(ints = {307, 308})
    void aTemporaryOrPermanentRedirectSendsTheSamePostToItsLocationSaidOnce(int status) throws Exception {
        TestNodeContext context = open("/" + status, ", headers { Authorization = \"Bearer t0k3n-t0k3n\" }");
        ImageData frame = Frames.next("cam");
        uploader.put(frame);
        upload(1);

        assertThat(received).hasSize(2);
        assertThat(context.count("uploads")).isEqualTo(2);
        assertThat(context.count("failed")).isZero();
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        context.formats().writeJson(frame, json);
        Received first = received.stream().filter(request -> Arrays.equals(request.body(), json.toByteArray()))
                .findFirst().orElseThrow(() -> new AssertionError("no request with the frame's JSON as its body"));
        assertThat(first.query()).isEqualTo("partition_key=" + first.headers().getFirst("X-Partition-Key"));
        assertThat(first.headers().getFirst("Authorization")).as("the url's, for the header's: the same host and port")
                .isEqualTo("Basic " + Base64.getEncoder().encodeToString("lab:s3cret".getBytes(StandardCharsets.UTF_8)));
        assertThat(first.headers().getFirst("X-Api-Key")).isEqualTo("k3y-k3y");
        assertThat(first.headers().getFirst("Content-Type")).isEqualTo("application/json");
        assertThat(log.messages(Level.WARN)).singleElement().asString().startsWith("uploads to http://***@127.0.0.1:"
                + port() + "/" + status + " are redirected (status " + status + ") to 'http://127.0.0.1:" + port()
                + "/final?partition_key=").endsWith("': each crosses the network twice; set url to where it points"
                + " (said once)");
        assertThat(log.messages(Level.INFO)).as("MSight's two lines an upload, the last answer's status")
                .filteredOn(line -> line.startsWith("Status: ")).containsOnly("Status: 200, {\"status\": 200}")
                .hasSize(2);
    }

    /** requests drops the credentials (an Authorization header too) where a redirect leads to another host, keeping the rest. */
    @Test
    void aRedirectToAnotherHostSendsNoCredentials() throws Exception {
        TestNodeContext context = open("/elsewhere", ", headers { Authorization = \"Bearer t0k3n-t0k3n\" }");
        upload(1);

        assertThat(context.count("uploads")).isEqualTo(1);
        assertThat(received).singleElement().satisfies(request -> {
            assertThat(request.headers().getFirst("Authorization")).isNull();
            assertThat(request.headers().getFirst("X-Api-Key")).isEqualTo("k3y-k3y");
            assertThat(request.headers().getFirst("Host")).isEqualTo(OTHER_HOST + ":" + port());
        });
    }

    /** A Location of a query alone keeps the path, as RFC 3986 and requests resolve it (Java's URI drops its last segment). */
    @Test
    void aLocationOfAQueryAloneKeepsThePath() throws Exception {
        TestNodeContext context = open("/query", "");
        upload(1);

        assertThat(context.count("uploads")).isEqualTo(1);
        assertThat(received).singleElement().satisfies(request -> assertThat(request.query()).endsWith("&moved=1"));
    }

    /**
     * A Location with a space, a letter beyond ASCII (UTF-8 bytes) and brackets is sent as requests
     * sends it: all percent-encoded (raw brackets make Tomcat answer 400); a stray '%' makes every
     * '%' quoted, escapes included; its dot segments resolved, as Python's urljoin resolves them.
     */
    @Test
    void aLocationWithCharactersAUrlCannotHoldIsPercentEncoded() throws Exception {
        TestNodeContext context = open("/unquoted", "");
        upload(1);

        assertThat(context.count("uploads")).isEqualTo(1);
        assertThat(received).singleElement().satisfies(request -> assertThat(request.query())
                .endsWith("&place=front%20door&name=caf%C3%A9&kept=%257e%252F%25zz&ids%5B%5D=1"));
    }

    /** A Location with an empty query is sent without its '?', as requests sends it. */
    @Test
    void aLocationsEmptyQueryIsLeftOut() throws Exception {
        TestNodeContext context = open("/emptied", "");
        upload(1);

        assertThat(context.count("uploads")).isEqualTo(1);
        assertThat(received).singleElement().satisfies(request -> assertThat(request.query()).isNull());
    }

    /**
     * A Location as requests sends it (requote_uri, then urllib3's encoding of a request's target),
     * case by case: each what python3's requests 2.28.1 with urllib3 1.26.12 sent for these characters in UTF-8.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            /a b?c=d e#f            | /a%20b?c=d%20e
            /%7e%2F%41%2541         | /~%2FA%2541
            /%zz%41                 | /%25zz%2541
            /x%2\u00e9               | /x%252%C3%A9
            /50% off                | /50%25%2520off
            /x<y>{z}^`\\            | /x%3Cy%3E%7Bz%7D%5E%60%5C
            /caf\u00c3\u00a9         | /caf%C3%A9
            /caf\u00e9               | /caf%C3%A9
            /\ud83d\ude00            | /%F0%9F%98%80
            /ids[]?a[]=1^2          | /ids%5B%5D?a%5B%5D=1%5E2
            /caf%c3%a9?q=%2f        | /caf%C3%A9?q=%2F
            /a?b=%e2%82%ac&c=%      | /a?b=%25E2%2582%25AC&c=%25
            http://h/a/./b?x[]#f    | http://h/a/./b?x%5B%5D
            """)
    void aLocationIsRequotedAsRequestsDoes(String location, String requoted) {
        assertThat(Redirects.requoted(location)).isEqualTo(requoted);
    }

    /**
     * A Location of a fragment or an empty query alone leads where python3's requests 2.28.1 re-POSTed
     * (urljoin): to the url that answered, its query and partition_key kept; an empty one is not followed.
     * A '#' Location is quoted: a line of a CsvSource starting with '#' is a comment.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            '#frag'  | http://h/b1/b2/start?x=1&partition_key=k
            '#'      | http://h/b1/b2/start?x=1&partition_key=k
            ?        | http://h/b1/b2/start?x=1&partition_key=k
            ?#frag   | http://h/b1/b2/start?x=1&partition_key=k
            ?a=1#x   | http://h/b1/b2/start?a=1
            """)
    void aLocationOfAFragmentOrAnEmptyQueryAloneLeadsWhereRequestsGoes(String location, String next) {
        Redirects.Post post = Redirects.Post.first("http://h/b1/b2/start?x=1&partition_key=k");

        assertThat(Redirects.follow(post, 307, location)).isEqualTo(new Redirects.Post(next, true, 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " "})
    void anEmptyLocationIsNotFollowed(String location) {
        Redirects.Post post = Redirects.Post.first("http://h/b1/b2/start?partition_key=k");

        assertThatThrownBy(() -> Redirects.follow(post, 307, location))
                .hasMessage("the server answered status 307 without a Location to go to");
    }

    /** A url whose host has a '_' (a container's name) is redirected on the same host, credentials kept. */
    @Test
    void aRedirectOnAHostWithAnUnderscoreKeepsItsCredentials() throws Exception {
        TestNodeContext context = openAt(UNDERSCORED_HOST, "/307", "");
        upload(1);

        assertThat(context.count("uploads")).isEqualTo(1);
        assertThat(received).singleElement().satisfies(request -> {
            assertThat(request.headers().getFirst("Authorization")).startsWith("Basic ");
            assertThat(request.headers().getFirst("Host")).isEqualTo(UNDERSCORED_HOST + ":" + port());
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            /301   | the server answered status 301 (moved to 'http://127.0.0.1:PORT/final'): only 307 and 308 are followed, as they keep the POST and its body (MSight's requests turns a 301 into a GET without it); set url to where it points
            /loop  | the server answered status 307 after 30 redirects already (a loop?), the latest to 'http://127.0.0.1:PORT/loop'
            """)
    void aRedirectThatCannotBeFollowedRefusesTheMessageSayingWhy(String path, String why) throws Exception {
        TestNodeContext context = open(path, "");
        upload(1);

        assertThat(received).isEmpty();
        assertThat(context.count("failed")).isEqualTo(1);
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.startsWith("gave up")).singleElement().asString()
                .endsWith(": " + why.replace("PORT", Integer.toString(port())));
    }
}
