package org.msight.runtime.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.redis.RedisSettings;
import org.msight.runtime.logging.Logging;

/**
 * The keys of the {@code msight} block, declared as node types declare theirs and checked the
 * same way; their defaults and comments are in the runtime's {@code reference.conf}. A new key
 * of the block is declared here (a test checks that every default is).
 */
public final class RuntimeSettings {

    private static final Duration MAX_TIMEOUT = Duration.ofHours(1);

    private RuntimeSettings() {
    }

    /** Every key of the {@code msight} block. */
    public static List<Setting> all() {
        return List.of(
                Setting.optional("device-name", SettingType.STRING, "name of this edge device, in every message")
                        .nonEmpty(),
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
                                level -> Logging.LEVELS.contains(((String) level).toUpperCase(Locale.ROOT))),
                redis(),
                Setting.block("registry", "MSight's node registry in Redis",
                        Setting.oneOf("enabled", "register nodes and keep their heartbeat: true, false, or auto (when"
                                + " a topic is on a bus other than memory)", "auto", "true", "false"),
                        Setting.block("heartbeat", "the nodes' heartbeat in the registry",
                                timeout("update-interval", "how often each node writes its heartbeat"),
                                timeout("tolerance", "a heartbeat older than this means the node is dead"),
                                timeout("checking-duration", "how long heartbeat updates may fail before an error"),
                                Setting.oneOf("action-on-error", "what a heartbeat error does", "continue", "stop"))),
                CommonSettings.nodeDefaults());
    }

    private static Setting redis() {
        return Setting.block("redis", "the Redis connection of the registry (and of bus = redis)",
                RedisSettings.SETTINGS.toArray(Setting[]::new));
    }

    private static Setting timeout(String key, String doc) {
        return Setting.optional(key, SettingType.DURATION, doc).between(Duration.ofMillis(1), MAX_TIMEOUT);
    }
}
