package org.msight.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.msight.api.LogSafe;
import org.msight.api.Secrets;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.api.Suggestions;

/**
 * Checks a HOCON block against its declared {@link Setting}s: unknown keys (with "did you
 * mean"), missing and null values, types, allowed values, each setting's checks, and nested
 * blocks with their own keys. Every problem is added to a list; nothing is thrown.
 */
public final class SettingsCheck {

    private static final String A_BLOCK = "a block { ... }";
    /** Typesafe Config's origin of a value substituted from the environment. */
    private static final String ENV_ORIGIN = "env variables";

    private final String file;
    private final List<ConfigProblem> problems;
    private final Function<String, Optional<String>> variableOf;
    /** Whether the block is a plugin's defaults ({@link #ofDefaults}). */
    private final boolean defaults;

    /**
     * @param variableOf the environment variable a key's value came from through
     *     {@code ${?VARIABLE}}, when it did: problems with such a value name the variable
     */
    SettingsCheck(String file, List<ConfigProblem> problems, Function<String, Optional<String>> variableOf) {
        this(file, problems, variableOf, false);
    }

    private SettingsCheck(String file, List<ConfigProblem> problems, Function<String, Optional<String>> variableOf,
            boolean defaults) {
        this.file = file;
        this.problems = problems;
        this.variableOf = variableOf;
        this.defaults = defaults;
    }

    /**
     * The problems of the defaults a plugin's {@code reference.conf} gives {@code settings} (those
     * it gives: a required setting has none), each at its line there: the plugin author's
     * mistakes, told as the plugin loads rather than in the block of a user who took them. A value
     * from the environment ({@code ${?VARIABLE}}) is the user's, and whether a folder can be
     * written depends on the machine: both are left to the check of the blocks that take them.
     *
     * @param path where the defaults are in the {@code reference.conf}, for messages
     */
    public static List<ConfigProblem> ofDefaults(Config defaults, String path, List<Setting> settings) {
        List<ConfigProblem> problems = new ArrayList<>();
        new SettingsCheck("reference.conf", problems, key -> Optional.empty(), true).check(path, "its reference.conf",
                null, defaults, defaults.origin(), settings);
        return problems;
    }

    /**
     * Checks one block.
     *
     * @param path the block's HOCON path, for messages ({@code nodes.camera})
     * @param owner what declares the keys, for messages ({@code node type 'rtsp-receiver'})
     * @param userBlock the block as the user wrote it (for unknown keys), or {@code null}
     * @param effective the block with the defaults behind it
     * @param blockOrigin where the block is, for problems of missing keys
     * @return whether the block has no problem
     */
    boolean check(String path, String owner, ConfigObject userBlock, Config effective, ConfigOrigin blockOrigin,
            List<Setting> settings) {
        return check(path, owner, userBlock, effective, blockOrigin, settings, List.of());
    }

    /**
     * As {@link #check(String, String, ConfigObject, Config, ConfigOrigin, List)}, for a block that
     * also takes {@code otherKeys}, checked elsewhere (the buses' blocks in the msight block): they
     * are not unknown, and they are named in the problems of keys that are.
     */
    boolean check(String path, String owner, ConfigObject userBlock, Config effective, ConfigOrigin blockOrigin,
            List<Setting> settings, Collection<String> otherKeys) {
        int before = problems.size();
        if (userBlock != null) {
            checkUnknownKeys(path, owner, userBlock, settings, otherKeys);
        }
        for (Setting setting : settings) {
            checkSetting(path, userBlock, effective, blockOrigin, setting);
        }
        return problems.size() == before;
    }

    /**
     * Checks only that {@code userBlock} and its declared blocks hold no key {@code settings} do
     * not declare, not their values.
     */
    void checkKeys(String path, String owner, ConfigObject userBlock, List<Setting> settings) {
        checkUnknownKeys(path, owner, userBlock, settings, List.of());
        for (Setting setting : settings) {
            if (!setting.settings().isEmpty() && userBlock.get(setting.key()) instanceof ConfigObject block) {
                checkKeys(path + "." + setting.key(), "block '" + setting.key() + "'", block, setting.settings());
            }
        }
    }

    /**
     * Whether {@code value}, the block at {@code path}, is one or is not set; else adds that it
     * must be one, as for a declared block ({@code msight.nats = "nats://..."}).
     */
    boolean checkBlock(String path, ConfigValue value, ConfigOrigin blockOrigin) {
        if (value == null || value.valueType() == ConfigValueType.OBJECT) {
            return true;
        }
        add(value.origin(), blockOrigin, path, "must be " + A_BLOCK + ", not " + shown(value));
        return false;
    }

    private void checkUnknownKeys(String path, String owner, ConfigObject userBlock, List<Setting> settings,
            Collection<String> otherKeys) {
        List<String> allowed = Stream.concat(settings.stream().map(Setting::key), otherKeys.stream()).distinct().toList();
        for (Map.Entry<String, ConfigValue> entry : userBlock.entrySet()) {
            if (!allowed.contains(entry.getKey())) {
                add(entry.getValue().origin(), userBlock.origin(), path + "." + ConfigProblem.quoted(entry.getKey()),
                        "unknown setting of " + owner + Suggestions.didYouMean(entry.getKey(), allowed)
                                + "; it takes: " + String.join(", ", allowed));
            }
        }
    }

    private void checkSetting(String path, ConfigObject userBlock, Config effective, ConfigOrigin blockOrigin,
            Setting setting) {
        String key = setting.key();
        String keyPath = path + "." + key;
        if (!effective.hasPathOrNull(key)) {
            if (defaults) {
                return;
            }
            add(blockOrigin, blockOrigin, keyPath, setting.required()
                    ? "missing required setting (" + setting.doc() + ")" : "missing, and no default (" + setting.doc() + ")");
            return;
        }
        ConfigValue own = userBlock == null ? null : userBlock.get(key);
        ConfigOrigin origin = own != null ? own.origin() : ConfigProblem.located(effective.getValue(key));
        if (defaults && isEnvironment(origin)) {
            return;
        }
        if (!effective.hasPath(key)) {
            add(origin, blockOrigin, keyPath, "must not be null (" + setting.doc() + ")");
            return;
        }
        Object value;
        try {
            value = getter(setting).apply(effective, key);
        } catch (ConfigException e) {
            add(origin, blockOrigin, keyPath, typeProblem(setting, effective.getValue(key)));
            return;
        }
        // what the user wrote (a plugin's own defaults are its business); 0 or less means the same in any unit
        if (setting.type() == SettingType.DURATION && own != null && isBareNumber(own) && ((Duration) value).compareTo(
                Duration.ZERO) > 0) {
            add(origin, blockOrigin, keyPath, "must be a duration with its unit, such as 500ms, 10s or 5m, not "
                    + shown(setting, effective.getValue(key)) + " (a number alone would be read as milliseconds)");
            return;
        }
        if (setting.type() == SettingType.INT && effective.getNumber(key).doubleValue() != (Integer) value) {
            // Typesafe Config reads 1.5 as 1
            add(origin, blockOrigin, keyPath, typeProblem(setting, effective.getValue(key)));
            return;
        }
        if (value instanceof String text && !setting.allowedValues().isEmpty()
                && !setting.allowedValues().contains(text)) {
            add(origin, blockOrigin, keyPath, shown(setting, effective.getValue(key)) + " is not one of "
                    + String.join(", ", setting.allowedValues()) + Suggestions.didYouMean(text, setting.allowedValues()));
            return;
        }
        if (!setting.settings().isEmpty()) {
            Config block = (Config) value;
            if (!check(keyPath, "block '" + key + "'", own instanceof ConfigObject object ? object : null, block,
                    own != null ? own.origin() : blockOrigin, setting.settings())) {
                return;
            }
        }
        for (Setting.Check check : setting.checks()) {
            boolean accepted;
            try {
                accepted = check.accepts().test(value);
            } catch (RuntimeException e) {
                accepted = false;
            }
            if (!accepted) {
                add(origin, blockOrigin, keyPath, setting.settings().isEmpty() && setting.type() != SettingType.OBJECT
                        ? check.rule() + ", not " + shown(setting, effective.getValue(key)) : check.rule());
                return;
            }
        }
        if (setting.type() == SettingType.FOLDER && !defaults && !((String) value).isBlank()) {
            WritablePath.problem(((String) value).trim(), true)
                    .ifPresent(problem -> add(origin, blockOrigin, keyPath, problem));
        }
    }

    /** A number without a unit, which Typesafe Config takes for milliseconds where a duration is read. */
    private static boolean isBareNumber(ConfigValue value) {
        return value.valueType() == ConfigValueType.NUMBER || value.valueType() == ConfigValueType.STRING
                && value.unwrapped().toString().strip().matches("[+-]?[0-9]*\\.?[0-9]+([eE][+-]?[0-9]+)?");
    }

    private static String typeProblem(Setting setting, ConfigValue value) {
        String expected = switch (setting.type()) {
            case STRING -> "a string";
            case FOLDER -> "a folder, as a string";
            case INT -> "a whole number" + intRange(setting);
            case DOUBLE -> "a number";
            case BOOLEAN -> "true or false";
            case DURATION -> "a duration such as 500ms, 10s or 5m";
            case STRING_LIST -> "a list of strings [\"a\", \"b\"]";
            case OBJECT -> A_BLOCK;
        };
        return "must be " + expected + ", not " + shown(setting, value);
    }

    /** The range of an int setting as its checks state it ({@code , 0 or more}), else the 32 bits'. */
    private static String intRange(Setting setting) {
        return setting.checks().stream().map(Setting.Check::rule).filter(rule -> rule.startsWith("must be "))
                .map(rule -> ", " + rule.substring("must be ".length())).findFirst()
                .orElse(" from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE);
    }

    /** A value as written, as a message may show it: masked when secret, URL passwords hidden otherwise. */
    static String shown(Setting setting, ConfigValue value) {
        return setting.isSecret() ? Secrets.MASK : shown(value);
    }

    /** A value that is not secret as a message may show it, URL passwords hidden. */
    static String shown(ConfigValue value) {
        String text = value.valueType() == ConfigValueType.STRING ? "'" + value.unwrapped() + "'"
                : value.render(ConfigRenderOptions.concise());
        return LogSafe.text(text); // masked and escaped: it may come from an environment variable
    }

    private void add(ConfigOrigin origin, ConfigOrigin blockOrigin, String key, String message) {
        Optional<String> variable = isEnvironment(origin) ? variableOf.apply(key) : Optional.empty();
        if (variable.isPresent()) {
            problems.add(new ConfigProblem("environment variable " + variable.get(), key, message));
            return;
        }
        // a value from a jar's reference.conf is reported at the user's block, which took the default;
        // a plugin's defaults checked as it loads, at their own lines
        ConfigOrigin where = origin != null && (!ConfigProblem.isDefault(origin) || defaults) ? origin : blockOrigin;
        problems.add(ConfigProblem.at(where, file, key, message));
    }

    private static boolean isEnvironment(ConfigOrigin origin) {
        return origin != null && ENV_ORIGIN.equals(origin.description());
    }

    static BiFunction<Config, String, Object> getter(Setting setting) {
        return switch (setting.type()) {
            case STRING, FOLDER -> Config::getString;
            case INT -> Config::getInt;
            case DOUBLE -> Config::getDouble;
            case BOOLEAN -> Config::getBoolean;
            case DURATION -> Config::getDuration;
            case STRING_LIST -> Config::getStringList;
            case OBJECT -> Config::getConfig;
        };
    }

    static String withoutOrigin(String message) {
        // Typesafe prefixes messages with "file: line: ", or "file: " when it has no line; the
        // problem already carries the location. Only one of them: the message may hold colons.
        String withoutLine = message.replaceFirst("^[^:]*: \\d+: ", "");
        return withoutLine.equals(message) ? message.replaceFirst("^[^:]*: ", "") : withoutLine;
    }
}
