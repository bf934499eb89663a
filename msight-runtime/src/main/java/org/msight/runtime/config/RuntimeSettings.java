package org.msight.runtime.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.msight.api.LogSafe;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.redis.RedisSettings;
import org.msight.runtime.logging.LogOutput;
import org.msight.runtime.logging.Logging;

/**
 * The keys of the {@code msight} block, declared as node types declare theirs and checked the
 * same way; their defaults and comments are in the runtime's {@code reference.conf}. A new key
 * of the block is declared here (a test checks that every default is).
 */
public final class RuntimeSettings {

    private static final Duration MAX_TIMEOUT = Duration.ofHours(1);
    /** The longest heartbeat tolerance and checking duration: MSight takes any number of seconds, days are sane. */
    private static final Duration MAX_HEARTBEAT_CHECK = Duration.ofDays(30);

    private RuntimeSettings() {
    }

    /** The rule of a name that begins log lines (the device's, a node's): {@link LogSafe#text} leaves it as it is. */
    static final String SHOWN_AS_WRITTEN = "must show in a log line as written: no control or format characters"
            + " (line breaks, tabs, escapes), nothing a URL's user info could be (user:pass@), at most "
            + LogSafe.MAX_LENGTH + " characters";

    /** Every key of the {@code msight} block. */
    public static List<Setting> all() {
        return List.of(
                Setting.optional("device-name", SettingType.STRING, "name of this edge device, in every message")
                        .nonEmpty().check(SHOWN_AS_WRITTEN, value -> LogSafe.text(value).equals(value)),
                Setting.optional("bus", SettingType.STRING,
                        "what carries topics between nodes: memory, or a bus plugin (redis, nats, kafka)").nonEmpty(),
                Setting.optional("topics", SettingType.OBJECT,
                        "topics carried by another bus than msight.bus: topics { images { bus = nats } }"),
                Setting.optional("plugin-path", SettingType.STRING_LIST, "extra folders to search for plugins"),
                Setting.optional("drain-timeout", SettingType.DURATION, "how long sinks may drain at shutdown")
                        .between(Duration.ZERO, MAX_TIMEOUT),
                Setting.optional("stats-interval", SettingType.DURATION, "how often each node logs its throughput")
                        .between(Duration.ofMillis(100), Duration.ofDays(1)),
                Setting.optional("logging-level", SettingType.STRING, "root log level")
                        .check("must be one of " + String.join(", ", Logging.LEVELS),
                                level -> Logging.isLevel((String) level)),
                Setting.optional("stop-when-sources-finish", SettingType.BOOLEAN,
                        "stop once every source has finished and the sinks drained"),
                logging(),
                http(),
                redis(),
                Setting.block("registry", "MSight's node registry in Redis",
                        Setting.oneOf("enabled", "register nodes and keep their heartbeat: true, false, or auto (when"
                                + " a topic is on a bus other than memory)", "auto", "true", "false"),
                        Setting.optional("replace", SettingType.BOOLEAN, "take a node's name whoever holds it"),
                        Setting.block("heartbeat", "the nodes' heartbeat in the registry",
                                timeout("update-interval", "how often each node writes its heartbeat"),
                                timeout("stale-after", "an entry of this runtime older than this is dead"),
                                Setting.optional("tolerance", SettingType.DURATION, "a node whose heartbeat Redis has"
                                        + " refused for this long while serving reads (NOREPLICAS, MISCONF) is in error;"
                                        + " Redis unreachable or refusing reads too is an outage; 0 or negative: no check")
                                        .between(MAX_HEARTBEAT_CHECK.negated(), MAX_HEARTBEAT_CHECK),
                                Setting.optional("checking-duration", SettingType.DURATION,
                                        "how often each node checks its own entry")
                                        .between(Duration.ofMillis(1), MAX_HEARTBEAT_CHECK),
                                Setting.oneOf("action-on-error", "what a node in error does", "continue", "stop"))),
                CommonSettings.nodeDefaults());
    }

    private static Setting logging() {
        return Setting.block("logging", "the form and place of log lines",
                Setting.oneOf("format", "text (MSight's lines) or json (one object per line)", "text", "json"),
                Setting.optional("file", SettingType.STRING, "a file the lines also go to; empty for none"),
                Setting.optional("max-file-size", SettingType.STRING, "size at which the file is rolled over")
                        .check("must be a size such as 10MB or 500KB", size -> LogOutput.isSize((String) size)),
                Setting.optional("max-files", SettingType.INT, "rolled-over files kept").between(1, 20));
    }

    private static Setting http() {
        return Setting.block("http", "the HTTP endpoint: metrics, health, readiness, node status, previews",
                Setting.optional("enabled", SettingType.BOOLEAN, "serve the endpoint"),
                Setting.optional("host", SettingType.STRING, "address to listen on").nonEmpty(),
                Setting.optional("port", SettingType.INT, "TCP port; 0 picks a free one").between(0, 65535),
                Setting.optional("token", SettingType.STRING, "bearer token requests must carry; empty for none")
                        .check("must hold only ASCII letters, digits, punctuation and inner spaces, which a"
                                + " request's header can carry", token -> ((String) token).chars()
                                        .allMatch(c -> c >= ' ' && c < 0x7f) && !((String) token).startsWith(" ")
                                        && !((String) token).endsWith(" "))
                        .secret(),
                Setting.block("tls", "HTTPS",
                        Setting.optional("key-store", SettingType.STRING, "PKCS#12 or JKS key store; empty for HTTP"),
                        Setting.optional("key-store-password", SettingType.STRING, "its password").secret()),
                Setting.optional("max-preview-viewers", SettingType.INT, "MJPEG previews open at once, a thread each")
                        .between(1, 256),
                Setting.optional("max-preview-rate", SettingType.DOUBLE, "frames per second a preview sends at most")
                        .above(0, 1000));
    }

    private static Setting redis() {
        return Setting.block("redis", "the Redis connection of the registry (and of bus = redis)",
                RedisSettings.SETTINGS.toArray(Setting[]::new));
    }

    private static Setting timeout(String key, String doc) {
        return Setting.optional(key, SettingType.DURATION, doc).between(Duration.ofMillis(1), MAX_TIMEOUT);
    }
}
