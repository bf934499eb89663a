package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.msight.testkit.RecordingLogger;
import org.msight.testkit.TestCertificates;
import org.msight.testkit.TestNodeContext;
import org.msight.testkit.Waits;
import org.slf4j.event.Level;

/** Proxies from the environment, as MSight's requests takes them: http_proxy, https_proxy, no_proxy. */
class ProxyTest {

    private static final String PROXY_AUTHORIZATION = "Basic " + Base64.getEncoder()
            .encodeToString("edge:pr0xy-S3cret".getBytes(StandardCharsets.ISO_8859_1));

    @TempDir
    Path dir;
    private final RecordingLogger log = new RecordingLogger("uploader");
    private RecordingServer server;
    private ForwardProxy proxy;
    private Uploading uploader;

    @AfterEach
    void stop() throws Exception {
        if (uploader != null) {
            uploader.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private TestNodeContext upload(String block, Map<String, String> environment) throws Exception {
        TestNodeContext context = TestNodeContext.of("http-uploader", block).withLogger(log);
        uploader = Uploading.open(context, environment);
        uploader.put(Frames.next("cam"));
        uploader.put(Frames.next("cam"));
        uploader.flush(Waits.GENEROUS);
        return context;
    }

    /** http:// goes to the proxy in absolute form, its credentials with the first request (no 407 first). */
    @Test
    void anHttpUrlGoesThroughHttpProxyWithItsCredentials() throws Exception {
        server = RecordingServer.http();
        proxy = new ForwardProxy(PROXY_AUTHORIZATION);
        String proxyUrl = proxy.url().replace("://", "://edge:pr0xy-S3cret@");

        TestNodeContext context = upload("url = \"" + server.url("/u") + "\"", Map.of("HTTP_PROXY", proxyUrl));

        assertThat(context.count("uploads")).isEqualTo(2);
        assertThat(server.requests()).hasSize(2);
        assertThat(proxy.heads()).isNotEmpty().allSatisfy(head -> assertThat(head)
                .matches(Pattern.compile("POST " + Pattern.quote(server.url("/u")) + "\\?partition_key=\\S+ HTTP/1.1\r\n.*",
                        Pattern.DOTALL))
                .contains("\r\nProxy-Authorization: " + PROXY_AUTHORIZATION + "\r\n"));
        assertThat(log.messages(Level.INFO)).contains("uploads go through the proxy "
                + proxy.url().replace("://", "://***@") + " (from HTTP_PROXY)");
        assertThat(log.all()).doesNotContain("pr0xy-S3cret");
    }

    /** https:// goes through a CONNECT tunnel, with the credentials, and TLS with the server inside it. */
    @Test
    void anHttpsUrlGoesThroughATunnel() throws Exception {
        TestCertificates certificates = new TestCertificates(dir);
        server = RecordingServer.https(certificates.serverContext(), false);
        proxy = new ForwardProxy(PROXY_AUTHORIZATION);
        String proxyUrl = proxy.url().replace("://", "://edge:pr0xy-S3cret@");

        TestNodeContext context = upload("url = \"" + server.url("/u") + "\", tls.ca-file = \"" + certificates.ca + "\"",
                Map.of("https_proxy", proxyUrl, "HTTP_PROXY", "http://127.0.0.1:9"));

        assertThat(context.count("uploads")).isEqualTo(2);
        assertThat(server.requests()).hasSize(2);
        String authority = server.url("/").replaceFirst("^https://", "").replaceFirst("/$", "");
        assertThat(proxy.heads()).isNotEmpty().allSatisfy(head -> assertThat(head)
                .startsWith("CONNECT " + authority + " HTTP/1.1\r\n")
                .contains("\r\nProxy-Authorization: " + PROXY_AUTHORIZATION + "\r\n"));
    }

    /** A tunnel the proxy refuses for want of credentials fails the message saying so: no outage, as a server's 4xx. */
    @Test
    void aTunnelTheProxyRefusesSaysWhy() throws Exception {
        TestCertificates certificates = new TestCertificates(dir);
        server = RecordingServer.https(certificates.serverContext(), false);
        proxy = new ForwardProxy(PROXY_AUTHORIZATION);

        TestNodeContext context = upload("url = \"" + server.url("/u") + "\", tls.ca-file = \"" + certificates.ca + "\"",
                Map.of("HTTPS_PROXY", proxy.url()));

        assertThat(context.count("failed")).isEqualTo(2);
        assertThat(server.requests()).isEmpty();
        assertThat(log.messages(Level.WARN)).filteredOn(line -> line.startsWith("gave up")).first().asString()
                .endsWith(": the proxy answered status 407: it wants a user and password in the URL of the proxy's"
                        + " variable");
    }

    /**
     * User info as requests reads it: up to the last '@', %-escapes decoded as urllib's unquote does
     * (one that is none kept as written, bytes that are no UTF-8 as U+FFFD); none sent for a user
     * alone or an empty one.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            http://user:p@ss@gate:3128       | user | p@ss
            http://u%40x:p%2Bw+@gate:3128    | u@x  | p+w+
            http://user@gate:3128            | null | null
            http://:pw@gate:3128             | null | null
            http://edge:ab%zzS3cret@gate:3128 | edge | ab%zzS3cret
            http://edge:%FFx%e2%82%ac@gate:3128 | edge | \uFFFDx\u20AC
            """)
    void theCredentialsOfAProxyAreRequests(String url, String user, String password) {
        EnvironmentProxies.Proxy proxy = new ProxyRoutes(EnvironmentProxies.from(Map.of("HTTP_PROXY", url)))
                .proxyFor("http://up.example/u");
        assertThat(proxy.host().toURI()).isEqualTo("http://gate:3128");
        assertThat(proxy.user()).isEqualTo(user);
        assertThat(proxy.password()).isEqualTo(password);
        assertThat(proxy.toString()).doesNotContain("ss", "pw", "p%2Bw");
    }

    /** A 407 of a moment does not stop the credentials: HttpClient forgets them where it was told them once for all. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theCredentialsGoWithEveryRequestAfterA407(boolean https) throws Exception {
        TestCertificates certificates = new TestCertificates(dir);
        server = https ? RecordingServer.https(certificates.serverContext(), false) : RecordingServer.http();
        proxy = new ForwardProxy(PROXY_AUTHORIZATION, 1);
        TestNodeContext context = upload("url = \"" + server.url("/u") + "\"" + (https ? ", tls.ca-file = \""
                + certificates.ca + "\"" : ""), Map.of(https ? "HTTPS_PROXY" : "HTTP_PROXY",
                proxy.url().replace("://", "://edge:pr0xy-S3cret@")));

        assertThat(context.count("failed")).as("the one refused").isEqualTo(1);
        assertThat(context.count("uploads")).isEqualTo(1);
        assertThat(proxy.heads()).hasSizeGreaterThanOrEqualTo(2).allSatisfy(head -> assertThat(head)
                .contains("\r\nProxy-Authorization: " + PROXY_AUTHORIZATION + "\r\n"));
    }

    /** A proxy's credentials, echoed by a server it passed them to, are masked in the Status line. */
    @Test
    void aProxysCredentialsEchoedAreMasked() throws Exception {
        try (AnsweringServer echo = new AnsweringServer(headers -> "you sent " + headers.getFirst("Proxy-Authorization"))) {
            proxy = new ForwardProxy(null);
            upload("url = \"" + echo.url("/u") + "\"",
                    Map.of("HTTP_PROXY", proxy.url().replace("://", "://edge:pr0xy-S3cret@")));
            assertThat(log.messages(Level.INFO)).contains("Status: 200, you sent Basic ***");
            assertThat(log.all()).doesNotContain("pr0xy-S3cret", PROXY_AUTHORIZATION.substring(6));
        }
    }

    /** no_proxy's hosts go direct: the proxy, which would refuse them, sees nothing. */
    @Test
    void aHostInNoProxyGoesDirect() throws Exception {
        server = RecordingServer.http();
        proxy = new ForwardProxy("Basic none");

        TestNodeContext context = upload("url = \"" + server.url("/u") + "\"",
                Map.of("HTTP_PROXY", proxy.url(), "NO_PROXY", "localhost, 127.0.0.1"));

        assertThat(context.count("uploads")).isEqualTo(2);
        assertThat(proxy.heads()).isEmpty();
        assertThat(log.messages(Level.INFO)).noneMatch(line -> line.contains("proxy"));
    }

    /** What python3's requests.utils.select_proxy(url, get_environ_proxies(url)) says for each (the table's source). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            HTTP_PROXY=http://p:3128                                | http://up.example:8080/u | http://p:3128
            HTTP_PROXY=http://p:3128                                | https://up.example/u     | direct
            HTTPS_PROXY=p:3128                                      | https://up.example/u     | http://p:3128
            http_proxy=http://low:1;HTTP_PROXY=http://up:2          | http://up.example/u      | http://low:1
            http_proxy=;HTTP_PROXY=http://up:2                      | http://up.example/u      | direct
            ALL_PROXY=http://all:9;HTTP_PROXY=http://p:3128         | https://up.example/u     | http://all:9
            HTTP_PROXY=http://p:3128;NO_PROXY=example               | http://up.example/u      | direct
            HTTP_PROXY=http://p:3128;NO_PROXY=ample:8080            | http://up.example:8080/u | direct
            HTTP_PROXY=http://p:3128;NO_PROXY=.EXAMPLE              | http://up.example/u      | direct
            HTTP_PROXY=http://p:3128;no_proxy=other, up.example     | http://up.example/u      | direct
            HTTP_PROXY=http://p:3128;NO_PROXY=*                     | http://up.example/u      | direct
            HTTP_PROXY=http://p:3128;NO_PROXY=10.0.0.0/8            | http://10.1.2.3/u        | direct
            HTTP_PROXY=http://p:3128;NO_PROXY=10.0.0.0/8            | http://11.1.2.3/u        | http://p:3128
            HTTP_PROXY=http://p:3128;NO_PROXY=2.3                   | http://10.1.2.3/u        | direct
            HTTP_PROXY=http://p:3128;NO_PROXY=10.1.2.3              | http://10.1.2.3:81/u     | direct
            HTTP_PROXY=http://p:3128;NO_PROXY=localhost,127.0.0.1   | http://127.0.0.1:8000/u  | direct
            HTTP_PROXY=http://p:3128;NO_PROXY=::1                   | http://[::1]:8000/u      | direct
            HTTP_PROXY=http://p:3128;REQUEST_METHOD=GET             | http://up.example/u      | direct
            HTTP_PROXY=http://p:3128;no_proxy=;NO_PROXY=up.example  | http://up.example/u      | direct
            HTTP_PROXY=http://p:3128;ALL_PROXY=socks5://s:1080      | http://up.example/u      | http://p:3128
            HTTP_PROXY=http://p:3128;NO_PROXY=example:80            | http://up.example/u      | http://p:3128
            HTTP_PROXY=http://p:3128;NO_PROXY=example:80            | http://up.example:80/u   | direct
            HTTP_PROXY=http://p:3128;no_proxy=;NO_PROXY=*           | http://up.example/u      | http://p:3128
            HTTP_PROXY=http://p:3128;No_Proxy=up.example            | http://up.example/u      | direct
            HTTP_PROXY=http://squid_proxy:3128                      | http://up.example/u      | http://squid_proxy:3128
            """)
    void theProxyOfAUrlIsRequests(String environment, String url, String expected) {
        Map<String, String> variables = new HashMap<>();
        for (String variable : environment.split(";")) {
            variables.put(variable.substring(0, variable.indexOf('=')), variable.substring(variable.indexOf('=') + 1));
        }
        EnvironmentProxies.Proxy proxy = new ProxyRoutes(EnvironmentProxies.from(variables)).proxyFor(url);
        assertThat(proxy == null ? "direct" : proxy.host().toURI()).isEqualTo(expected);
    }

    /**
     * A password with a '%' that starts no escape, as urllib takes it: the node starts and goes
     * through the proxy with it, never showing it. (URLDecoder's refusal stopped the node at its
     * start with two of its characters, not naming the variable.)
     */
    @Test
    void aProxyPasswordWithAStrayPercentIsSentAsWrittenAndNeverShown() throws Exception {
        server = RecordingServer.http();
        proxy = new ForwardProxy("Basic " + Base64.getEncoder().encodeToString("edge:50%off!".getBytes(
                StandardCharsets.ISO_8859_1)));

        TestNodeContext context = upload("url = \"" + server.url("/u") + "\"",
                Map.of("HTTP_PROXY", proxy.url().replace("://", "://edge:50%off!@")));

        assertThat(context.count("uploads")).isEqualTo(2);
        assertThat(log.messages(Level.INFO)).contains("uploads go through the proxy "
                + proxy.url().replace("://", "://***@") + " (from HTTP_PROXY)");
        assertThat(log.all()).doesNotContain("50%", "off!");
    }

    /** A proxy the uploader cannot go through stops the node that takes it at its start, naming the variable, password masked. */
    @Test
    void aProxyThatIsNotHttpIsRefusedNamingItsVariable() {
        ProxyRoutes routes = new ProxyRoutes(EnvironmentProxies.from(Map.of("HTTPS_PROXY", "socks5://edge:s3cret@gate:1080")));
        assertThat(routes.proxyFor("http://up.example/u")).as("a url that does not take it").isNull();
        assertThatThrownBy(() -> routes.proxyFor("https://up.example/u"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("HTTPS_PROXY: the uploader goes through http:// proxies only, as host:port or"
                        + " http://[user:password@]host[:port]; was 'socks5://***@gate:1080'");
        assertThatThrownBy(() -> new ProxyRoutes(EnvironmentProxies.from(Map.of("HTTPS_PROXY",
                "http://edge:50%off!@gate:99999"))).proxyFor("https://up.example/u")).as("a port beyond 65535")
                .hasMessage("HTTPS_PROXY: the uploader goes through http:// proxies only, as host:port or"
                        + " http://[user:password@]host[:port]; was 'http://***@gate:99999'");
    }
}
