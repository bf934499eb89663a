package org.msight.plugins.kafkabus;

import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerTokenCallback;

/** The JAAS properties of MSight's SASL settings: a user and password, or a fixed OAuth token. */
final class Sasl {

    private static final String TOKEN_OPTION = "token";

    private Sasl() {
    }

    /** @throws IllegalArgumentException naming the setting that is missing */
    static Map<String, Object> properties(String mechanism, String username, String password, String token) {
        if (mechanism.equals("OAUTHBEARER")) {
            require(token, "sasl.oauth-token", "MSIGHT_KAFKA_SASL_OAUTH_TOKEN", mechanism);
            return Map.of(SaslConfigs.SASL_JAAS_CONFIG,
                    "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
                            + TOKEN_OPTION + "=" + quoted(token) + ";",
                    SaslConfigs.SASL_LOGIN_CALLBACK_HANDLER_CLASS, FixedToken.class);
        }
        require(username, "sasl.username", "MSIGHT_KAFKA_SASL_USERNAME", mechanism);
        require(password, "sasl.password", "MSIGHT_KAFKA_SASL_PASSWORD", mechanism);
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        return Map.of(SaslConfigs.SASL_JAAS_CONFIG,
                module + " required username=" + quoted(username) + " password=" + quoted(password) + ";");
    }

    private static void require(String value, String key, String variable, String mechanism) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException(key + ": SASL " + mechanism + " needs it (or " + variable + ")");
        }
    }

    /**
     * A JAAS string value: in double quotes, with backslashes, quotes and line breaks escaped. A
     * line break (the {@code \r} of a file written on Windows) ended Kafka's JAAS value, and its
     * reason at start quoted the rest of the password.
     */
    private static String quoted(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", "\\r").replace("\n", "\\n")
                + "\"";
    }

    /**
     * Hands Kafka's OAUTHBEARER login the token of the JAAS option, as MSight's
     * {@code MSIGHT_KAFKA_SASL_OAUTH_TOKEN} does: the token is sent as it is, the broker checks it.
     */
    public static final class FixedToken implements AuthenticateCallbackHandler {

        /** Kafka's login refreshes a token at 80% of its lifetime; it gets the same one again. */
        private static final long LIFETIME_MILLIS = 3_600_000;

        private String token;

        @Override
        public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasEntries) {
            token = String.valueOf(jaasEntries.get(0).getOptions().get(TOKEN_OPTION));
        }

        @Override
        public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
            for (Callback callback : callbacks) {
                if (!(callback instanceof OAuthBearerTokenCallback tokenCallback)) {
                    throw new UnsupportedCallbackException(callback);
                }
                long now = System.currentTimeMillis();
                String value = token;
                tokenCallback.token(new OAuthBearerToken() {
                    @Override
                    public String value() {
                        return value;
                    }

                    @Override
                    public Set<String> scope() {
                        return Set.of();
                    }

                    @Override
                    public long lifetimeMs() {
                        return now + LIFETIME_MILLIS;
                    }

                    @Override
                    public String principalName() {
                        return "msight";
                    }

                    @Override
                    public Long startTimeMs() {
                        return now;
                    }
                });
            }
        }

        @Override
        public void close() {
        }
    }
}
