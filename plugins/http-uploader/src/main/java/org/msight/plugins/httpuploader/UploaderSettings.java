package org.msight.plugins.httpuploader;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.msight.api.LogSafe;
import org.msight.api.Secret;
import org.msight.api.Secrets;

/**
 * The settings of one http-uploader node, read from its block (defaults from the plugin's
 * {@code reference.conf} filled in) and checked: every problem is an
 * {@link IllegalArgumentException} whose message starts with the key.
 */
record UploaderSettings(
        UploadTarget target,
        Map<String, Secret> headers,
        PartitionKeys.Mode partitionKeyMode,
        int shards,
        Duration startDelay,
        boolean logUploadsAtDebug,
        Duration connectTimeout,
        RetryStatuses retry,
        TlsSettings tls) {

    /** Headers the uploader sets itself; a block may not set them. */
    private static final Set<String> RESERVED_HEADERS =
            Set.of("content-type", "content-length", "transfer-encoding", "host", "x-partition-key");
    /** A header's name: a token of RFC 9110. */
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    static UploaderSettings from(Config config) {
        UploadTarget target = UploadTarget.parse(get(config, "url", Config::getString));
        return new UploaderSettings(
                target,
                headers(config),
                PartitionKeys.Mode.parse(get(config, "partition-key-mode", Config::getString)),
                get(config, "shards", Config::getInt),
                get(config, "wait", Config::getDuration),
                get(config, "log-uploads-at", Config::getString).equals("debug"),
                get(config, "connect-timeout", Config::getDuration),
                RetryStatuses.parse(get(config, "retry-statuses", Config::getStringList)),
                TlsSettings.from(get(config, "tls", Config::getConfig)));
    }

    /** These settings with the CA file {@code environment} names for MSight's requests: {@link TlsSettings#withCaBundleOf}. */
    UploaderSettings withCaBundleOf(Map<String, String> environment) {
        return new UploaderSettings(target, headers, partitionKeyMode, shards, startDelay, logUploadsAtDebug,
                connectTimeout, retry, tls.withCaBundleOf(environment));
    }

    private static Map<String, Secret> headers(Config config) {
        Map<String, Secret> headers = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> header : get(config, "headers", Config::getObject).entrySet()) {
            String name = header.getKey();
            ConfigValue value = header.getValue();
            if (!HEADER_NAME.matcher(name).matches()) { // HttpClient sends any name as it is
                throw new IllegalArgumentException("headers." + LogSafe.text(name) + ": not a header name, which"
                        + " holds only letters, digits and !#$%&'*+-.^_`|~ (no spaces)");
            }
            if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("headers." + name + ": set by the uploader itself; remove it");
            }
            if (value.valueType() == ConfigValueType.OBJECT || value.valueType() == ConfigValueType.LIST
                    || value.valueType() == ConfigValueType.NULL) {
                throw new IllegalArgumentException("headers." + name + ": must be a string, not "
                        + value.valueType().name().toLowerCase(Locale.ROOT));
            }
            String text = String.valueOf(value.unwrapped());
            if (name.toLowerCase(Locale.ROOT).endsWith("authorization") // and Proxy-Authorization
                    && Secrets.isAuthorizationScheme(text.strip())) { // "Bearer "${?TOKEN} with TOKEN unset
                throw new IllegalArgumentException("headers." + name + ": '" + text.trim() + "' with no credentials"
                        + " after it: is the environment variable it takes set?");
            }
            if (text.chars().anyMatch(c -> c < ' ' && c != '\t' || c == 0x7f)) { // sent as they are: a forged header
                throw new IllegalArgumentException("headers." + name + ": holds a line break or another control"
                        + " character, which a header cannot carry (one at the end of an environment variable, too);"
                        + " remove it");
            }
            if (text.chars().anyMatch(c -> c > 0xFF || c >= 0x80 && c <= 0x9F)) { // HttpCore sends each as '?'
                throw new IllegalArgumentException("headers." + name + ": holds a character beyond Latin-1 (MSight's"
                        + " requests refuses it) or a control character from U+0080 to U+009F, which HttpClient would"
                        + " send as '?'; remove it");
            }
            headers.put(name, Secret.of(text));
        }
        return Map.copyOf(headers);
    }

    /** Reads one key, turning Typesafe Config's errors into messages that start with the key. */
    static <T> T get(Config config, String key, BiFunction<Config, String, T> getter) {
        try {
            return getter.apply(config, key);
        } catch (ConfigException.Missing e) {
            throw new IllegalArgumentException(key + ": missing");
        } catch (ConfigException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage().replaceFirst("^.*?: \\d+: ", ""));
        }
    }
}
