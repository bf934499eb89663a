package org.msight.api;

import java.util.List;
import java.util.Objects;

/**
 * One setting a node type takes in its HOCON block, in the spirit of Kafka Connect's
 * {@code ConfigDef}: the runtime validates blocks against these and prints them in
 * {@code msight-run plugins}. The default of an optional setting lives in the plugin's
 * {@code reference.conf} under {@code msight.node-types.<type>}.
 *
 * @param key the HOCON key, in kebab-case
 * @param type the value type
 * @param required whether a block must set it (required settings have no default)
 * @param doc one line that tells a user what it does
 * @param allowedValues for strings, the only values accepted; empty for any value
 */
public record Setting(String key, SettingType type, boolean required, String doc, List<String> allowedValues) {

    public Setting {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(doc, "doc");
        allowedValues = List.copyOf(allowedValues);
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
}
