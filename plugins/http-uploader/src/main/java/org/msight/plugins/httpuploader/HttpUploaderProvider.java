package org.msight.plugins.httpuploader;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;
import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.SettingType;

/**
 * The {@code http-uploader} node type: MSight's {@code msight_launch_http}. Defaults and a
 * comment per setting are in this plugin's {@code reference.conf}.
 */
public final class HttpUploaderProvider implements NodeProvider {

    @Override
    public String type() {
        return "http-uploader";
    }

    @Override
    public NodeKind kind() {
        return NodeKind.SINK;
    }

    @Override
    public boolean asynchronous() {
        return true;
    }

    @Override
    public String description() {
        return "POSTs each message as MSight's JSON (bytes in Base64) to an HTTP(S) server, with partition keys";
    }

    @Override
    public List<Setting> settings() {
        return List.of(
                Setting.required("url", SettingType.STRING, "where to POST, http:// or https://").url("http", "https"),
                Setting.optional("headers", SettingType.OBJECT, "extra request headers; values are never logged")
                        .secret(),
                Setting.oneOf("partition-key-mode", "how partition keys are made: POSIX time, or <sensor_name><n>",
                        "random", "sensor_name"),
                Setting.optional("shards", SettingType.INT, "how many keys mode sensor_name cycles through")
                        .between(1, 1_000_000),
                Setting.optional("wait", SettingType.DURATION, "delay before the first upload")
                        .between(Duration.ZERO, Duration.ofDays(1)),
                Setting.oneOf("log-uploads-at", "level of the two log lines per upload", "info", "debug"),
                Setting.optional("connect-timeout", SettingType.DURATION,
                        "time to establish a connection, and to wait for a DNS lookup")
                        .between(Duration.ofMillis(1), Duration.ofHours(1)),
                Setting.optional("retry-statuses", SettingType.STRING_LIST,
                        "retried response statuses: codes or classes (5xx); only 408 and 429 of the 4xx"),
                Setting.block("tls", "TLS trust (ca-file or trust-store) and client certificate (cert-file and"
                                + " key-file, or key-store) for https:// URLs",
                        Setting.optional("ca-file", SettingType.STRING, "PEM file of the server's CA certificate(s)"),
                        Setting.optional("trust-store", SettingType.STRING, "PKCS12 or JKS trust store file"),
                        Setting.optional("trust-store-password", SettingType.STRING, "the trust store's password")
                                .secret(),
                        Setting.optional("cert-file", SettingType.STRING, "PEM client certificate (chain)"),
                        Setting.optional("key-file", SettingType.STRING,
                                "unencrypted PEM key of the client certificate; empty: in cert-file"),
                        Setting.optional("key-store", SettingType.STRING, "PKCS12 or JKS key store file"),
                        Setting.optional("key-store-password", SettingType.STRING, "the key store's password")
                                .secret()));
    }

    @Override
    public Node create(NodeContext context) {
        return create(context, InetAddress::getAllByName, System.getenv());
    }

    /**
     * The node, looking host names up with {@code dns}, with the proxies and CA file of
     * {@code environment}: the system's, or a test's.
     */
    HttpUploader create(NodeContext context, LastKnownDnsResolver.HostLookup dns, Map<String, String> environment) {
        UploaderSettings settings = UploaderSettings.from(context.config()).withCaBundleOf(environment);
        if (settings.tls().configured() && !settings.target().https()) {
            throw new IllegalArgumentException("tls: set for an http:// url; use https:// or remove the tls block");
        }
        UnansweredCertificateRequests certificateRequests = new UnansweredCertificateRequests();
        Supplier<TlsStrategy> tls = () -> new RenewedTls(settings.tls(),
                () -> new JdkCheckedNames(settings.tls().sslContext(certificateRequests)), context.logger());
        return new HttpUploader(settings, context, settings.target().https() ? tls.get() : new FirstUseTls(tls),
                certificateRequests,
                new PartitionKeys(settings.partitionKeyMode(), settings.shards(), Clock.systemUTC(), context.formats()),
                new LastKnownDnsResolver(settings.connectTimeout(), "node-" + context.nodeName() + "-dns",
                        context.logger(), dns, System::nanoTime), EnvironmentProxies.from(environment));
    }

    /**
     * The TLS of an http:// url, for a redirect to https:// (as requests follows one, trusting what
     * the JVM trusts): made at its first use, as reading the JVM's trust store would cost every
     * start about 0.1 s of CPU.
     */
    private static final class FirstUseTls extends DelegatedTls {

        private final Supplier<TlsStrategy> made;
        private TlsStrategy tls;

        FirstUseTls(Supplier<TlsStrategy> made) {
            this.made = made;
        }

        @Override
        synchronized TlsStrategy tls() {
            if (tls == null) {
                tls = made.get();
            }
            return tls;
        }
    }

    /**
     * HttpClient's TLS, with the JDK checking the server's name in the handshake too, as it does
     * for every other TLS client of MSight: its failure is one {@code IoFailures} words, where
     * HttpClient's own check, which still follows, says {@code Certificate for <10.0.0.5> doesn't
     * match any of the subject alternative names: []}. (HttpClient 5.4.1's own switch for it,
     * {@code HostnameVerificationPolicy.BOTH}, sets it on parameters it has already given the
     * engine of an asynchronous client: tested, it checks nothing.)
     */
    private static final class JdkCheckedNames extends DefaultClientTlsStrategy {

        JdkCheckedNames(SSLContext context) {
            super(context);
        }

        @Override
        protected void initializeEngine(SSLEngine engine) {
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
        }
    }
}
