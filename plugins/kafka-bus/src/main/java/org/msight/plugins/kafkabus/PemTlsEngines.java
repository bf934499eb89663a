package org.msight.plugins.kafkabus;

import java.security.KeyStore;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.apache.kafka.common.security.auth.SslEngineFactory;

/**
 * The Kafka client's TLS connections from the context {@link org.msight.api.PemTls} made of
 * MSight's settings (the loader the other buses use too), given in the client's properties
 * under {@link #CONTEXT}. The client still decides the host name check
 * ({@code ssl.endpoint.identification.algorithm}).
 */
public final class PemTlsEngines implements SslEngineFactory {

    /** The client property holding the {@link SSLContext}. */
    static final String CONTEXT = "msight.tls.context";

    private SSLContext context;

    @Override
    public void configure(Map<String, ?> configs) {
        context = (SSLContext) configs.get(CONTEXT);
    }

    @Override
    public SSLEngine createClientSslEngine(String peerHost, int peerPort, String endpointIdentification) {
        SSLEngine engine = context.createSSLEngine(peerHost, peerPort);
        engine.setUseClientMode(true);
        if (endpointIdentification != null && !endpointIdentification.isEmpty()) {
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm(endpointIdentification);
            engine.setSSLParameters(parameters);
        }
        return engine;
    }

    @Override
    public SSLEngine createServerSslEngine(String peerHost, int peerPort) {
        throw new UnsupportedOperationException("the kafka bus is a client only");
    }

    @Override
    public boolean shouldBeRebuilt(Map<String, Object> nextConfigs) {
        return false;
    }

    @Override
    public Set<String> reconfigurableConfigs() {
        return Set.of();
    }

    @Override
    public KeyStore keystore() {
        return null;
    }

    @Override
    public KeyStore truststore() {
        return null;
    }

    @Override
    public void close() {
    }
}
