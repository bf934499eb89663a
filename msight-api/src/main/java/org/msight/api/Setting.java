package org.msight.api;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One setting a node type takes in its HOCON block, in the spirit of Kafka Connect's
 * {@code ConfigDef}: declared once, checked by the runtime before any node is created, and
 * printed by {@code msight-run plugins}. The default of an optional setting lives in the
 * plugin's {@code reference.conf} under {@code msight.node-types.<type>}, where the runtime
 * checks that it exists and passes the setting's checks.
 *
 * <p>Settings are immutable; the builder-style methods return a copy:
 * <pre>{@code
 * Setting.optional("max-connections", SettingType.INT, "connections open at most").between(1, 256)
 * Setting.required("url", SettingType.STRING, "where to POST").url("http", "https")
 * Setting.optional("token", SettingType.STRING, "API token").secret()
 * Setting.backoff("reconnect-backoff", "wait before reconnecting")
 * }</pre>
 *
 * @param key the HOCON key, in kebab-case
 * @param type the value type
 * @param required whether a block must set it (required settings have no default)
 * @param doc one line that tells a user what it does
 * @param allowedValues for strings, the only values accepted; empty for any value
 * @param isSecret whether the value is masked wherever the runtime shows it (messages, listings)
 * @param checks what the value must satisfy beyond its type, each with its rule for users
 * @param settings for an {@link SettingType#OBJECT} block, its own declared keys; empty for a
 *     free-form object (such as HTTP headers)
 */
public record Setting(String key, SettingType type, boolean required, String doc, List<String> allowedValues,
        boolean isSecret, List<Check> checks, List<Setting> settings) {

    /**
     * A rule a value must follow.
     *
     * @param rule what a user reads when the value breaks it, such as {@code "must be 1 to 256"}
     * @param accepts whether a value follows it: the value as its type reads it ({@link Integer},
     *     {@link Double}, {@link Boolean}, {@link String}, {@link Duration}, a {@link List} of
     *     strings, or a {@link com.typesafe.config.Config} for a block)
     */
    public record Check(String rule, Predicate<Object> accepts) {

        public Check {
            Objects.requireNonNull(rule, "rule");
            Objects.requireNonNull(accepts, "accepts");
        }
    }

    /** Python MSight's words for on, after {@code lower()}: {@code value.lower() in ["true", "1", "yes"]}. */
    private static final Set<String> ON = Set.of("true", "1", "yes");
    /** Words Python MSight reads as off and that mean off; after {@code lower()}, blanks aside. */
    private static final Set<String> OFF = Set.of("false", "0", "no", "off", "n", "");
    private static final String SWITCH_RULE = "must be true, 1 or yes (any case) for on, or false, 0, no, n, off or"
            + " empty for off (Python MSight reads any other word as off)";
    /** {@code [user-info@]host[:port]}, the host's labels of letters, digits, {@code -} and {@code _}; the port in group 1. */
    private static final Pattern HOST_NAME_WITH_UNDERSCORES =
            Pattern.compile("(?:[^@]*@)?[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)*\\.?(?::([0-9]{0,5}))?");

    public Setting {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(doc, "doc");
        allowedValues = List.copyOf(allowedValues);
        checks = List.copyOf(checks);
        settings = List.copyOf(settings);
        if (!settings.isEmpty() && type != SettingType.OBJECT) {
            throw new IllegalArgumentException(key + ": only an OBJECT setting declares keys of its own");
        }
    }

    /** A setting without checks, nested keys or secrecy. */
    public Setting(String key, SettingType type, boolean required, String doc, List<String> allowedValues) {
        this(key, type, required, doc, allowedValues, false, List.of(), List.of());
    }

    /** A setting every block must give. */
    public static Setting required(String key, SettingType type, String doc) {
        return new Setting(key, type, true, doc, List.of());
    }

    /** A setting with a default in {@code reference.conf}. */
    public static Setting optional(String key, SettingType type, String doc) {
        return new Setting(key, type, false, doc, List.of());
    }

    /** An optional string setting that takes one of {@code values}. */
    public static Setting oneOf(String key, String doc, String... values) {
        return new Setting(key, SettingType.STRING, false, doc, List.of(values));
    }

    /**
     * An optional on/off setting written as text, as MSight's environment variables write it
     * ({@code MSIGHT_REDIS_MESSAGE_BROKER_USE_TLS=1}), read as MSight reads them: {@code true},
     * {@code 1} or {@code yes}, in any case, is on. Python MSight reads any other word as off; of
     * those only plain words for off are taken ({@code false}, {@code 0}, {@code no}, {@code off},
     * {@code n}, empty), so that a word meant as on ({@code on}, {@code y}, a typo) never turns TLS
     * off, nor reads otherwise than a Python node beside. Read it with {@link #isOn}.
     */
    public static Setting onOff(String key, String doc) {
        return optional(key, SettingType.STRING, doc).check(SWITCH_RULE, value -> {
            String word = ((String) value).toLowerCase(Locale.ROOT);
            return ON.contains(word) || OFF.contains(word.strip());
        });
    }

    /** The value of an {@link #onOff} setting, by MSight's rule: {@code true}, {@code 1} or {@code yes}, in any case. */
    public static boolean isOn(String value) {
        return ON.contains(value.toLowerCase(Locale.ROOT));
    }

    /** An optional block whose keys are declared: {@code key { ... }}, each key checked on its own. */
    public static Setting block(String key, String doc, Setting... settings) {
        return new Setting(key, SettingType.OBJECT, false, doc, List.of(), false, List.of(), List.of(settings));
    }

    /**
     * An optional backoff block {@code key { initial, max }}: the wait starts at {@code initial}
     * and doubles up to {@code max}; both longer than 0 and {@code max} no shorter than
     * {@code initial}.
     */
    public static Setting backoff(String key, String doc) {
        return block(key, doc,
                optional("initial", SettingType.DURATION, "the first wait").between(Duration.ofMillis(1), Duration.ofHours(1)),
                optional("max", SettingType.DURATION, "the longest wait").between(Duration.ofMillis(1), Duration.ofHours(1)))
                .check("max must not be shorter than initial", block -> {
                    com.typesafe.config.Config config = (com.typesafe.config.Config) block;
                    return config.getDuration("max").compareTo(config.getDuration("initial")) >= 0;
                });
    }

    /** This setting, masked wherever the runtime shows its value. */
    public Setting secret() {
        return new Setting(key, type, required, doc, allowedValues, true, checks, settings);
    }

    /** This setting with one more rule. */
    public Setting check(String rule, Predicate<Object> accepts) {
        List<Check> all = new ArrayList<>(checks);
        all.add(new Check(rule, accepts));
        return new Setting(key, type, required, doc, allowedValues, isSecret, all, settings);
    }

    /** A number from {@code min} to {@code max}, both included. */
    public Setting between(double min, double max) {
        return check("must be " + number(min) + " to " + number(max), value -> {
            double number = ((Number) value).doubleValue();
            return number >= min && number <= max;
        });
    }

    /** A number of at least {@code min}. */
    public Setting atLeast(double min) {
        return check("must be " + number(min) + " or more", value -> ((Number) value).doubleValue() >= min);
    }

    /** A number more than {@code min} and at most {@code max}. */
    public Setting above(double min, double max) {
        return check("must be more than " + number(min) + " and at most " + number(max), value -> {
            double number = ((Number) value).doubleValue();
            return number > min && number <= max;
        });
    }

    /** A duration from {@code min} to {@code max}, both included. */
    public Setting between(Duration min, Duration max) {
        return check("must be " + written(min) + " to " + written(max),
                value -> ((Duration) value).compareTo(min) >= 0 && ((Duration) value).compareTo(max) <= 0);
    }

    /**
     * A size in bytes of at least {@code min}, written as HOCON writes sizes: {@code 512KiB},
     * {@code 32MiB}, {@code 2GiB}, or a bare number of bytes. Read it with {@code Config.getBytes}.
     *
     * @param examples what the rule shows a user, such as {@code "512MiB or 2GiB"}
     */
    public Setting size(long min, String examples) {
        return check("must be a size of at least " + bytesWritten(min) + ", such as " + examples, value -> {
            try {
                return ConfigFactory.parseMap(Map.of("size", value)).getBytes("size") >= min;
            } catch (ConfigException e) {
                return false;
            }
        });
    }

    /** A string that is not empty (nor only blanks). */
    public Setting nonEmpty() {
        return check("must not be empty", value -> !((String) value).isBlank());
    }

    /** A URL with one of {@code schemes}, a host, and a port, if any, of 1 to 65535 ({@link #isUrl}). */
    public Setting url(String... schemes) {
        return check("must be a URL " + String.join("://... or ", schemes) + "://...",
                value -> isUrl((String) value, schemes));
    }

    /**
     * Whether {@code value} is a URL with one of {@code schemes}, a host, and a port, if any, of 1
     * to 65535: what {@link #url} accepts, for a plugin that checks URLs it reads from a list. A
     * host name may hold {@code _} (Docker Compose's service names), as DNS and Python's requests
     * allow; {@link URI} then gives no host, user info or port, only {@link URI#getRawAuthority()}.
     */
    public static boolean isUrl(String value, String... schemes) {
        try {
            URI uri = new URI(value.trim());
            if (uri.getScheme() == null || !List.of(schemes).contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
                return false;
            }
            if (uri.getHost() != null) {
                return uri.getPort() == -1 || isPort(uri.getPort());
            }
            Matcher name = uri.getRawAuthority() == null ? null
                    : HOST_NAME_WITH_UNDERSCORES.matcher(uri.getRawAuthority());
            return name != null && name.matches()
                    && (name.group(1) == null || name.group(1).isEmpty() || isPort(Integer.parseInt(name.group(1))));
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static boolean isPort(int port) {
        return port >= 1 && port <= 65535;
    }

    private static String bytesWritten(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB"};
        int unit = 0;
        while (unit < units.length - 1 && bytes >= 1024 && bytes % 1024 == 0) {
            bytes /= 1024;
            unit++;
        }
        return bytes + units[unit];
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }

    /** A duration as a pipeline file writes it, for messages and logs: {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h}. */
    public static String written(Duration value) {
        if (value.isZero()) {
            return "0s";
        }
        if (value.toNanos() % 1_000_000 != 0) {
            return value.toNanos() % 1000 != 0 ? value.toNanos() + "ns" : value.toNanos() / 1000 + "us";
        }
        if (value.toMillis() % 1000 != 0) {
            return value.toMillis() + "ms";
        }
        long seconds = value.toSeconds();
        return seconds % 3600 == 0 ? seconds / 3600 + "h" : seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
    }
}
