package org.msight.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.msight.api.Setting;
import org.msight.api.SettingType;

class RuntimeSettingsTest {

    /**
     * The runtime's defaults; node-types holds the plugins' (here the test node types'), and
     * loopback the test bus's, not the runtime's.
     */
    private final Config reference = ConfigFactory.defaultReference(RuntimeSettingsTest.class.getClassLoader())
            .getConfig("msight").withoutPath("node-types").withoutPath("loopback");

    @Test
    void everyDefaultOfTheMsightBlockIsDeclaredAndEveryDeclaredKeyHasADefault() {
        assertThat(declared(RuntimeSettings.all(), "")).isEqualTo(leaves(reference.root(), ""));
    }

    @Test
    void theDefaultsPassTheirOwnChecks() {
        List<ConfigProblem> problems = new ArrayList<>();
        new SettingsCheck("reference.conf", problems, key -> java.util.Optional.empty()).check("msight", "the msight block", reference.root(), reference,
                reference.origin(), RuntimeSettings.all());
        assertThat(problems).isEmpty();
    }

    /** Leaf keys of the declaration; a free-form object counts as a leaf. */
    private static TreeSet<String> declared(List<Setting> settings, String prefix) {
        TreeSet<String> keys = new TreeSet<>();
        for (Setting setting : settings) {
            if (setting.type() == SettingType.OBJECT && !setting.settings().isEmpty()) {
                keys.addAll(declared(setting.settings(), prefix + setting.key() + "."));
            } else {
                keys.add(prefix + setting.key());
            }
        }
        return keys;
    }

    private static TreeSet<String> leaves(ConfigObject object, String prefix) {
        TreeSet<String> keys = new TreeSet<>();
        object.forEach((key, value) -> {
            if (value instanceof ConfigObject nested && !nested.isEmpty()) {
                keys.addAll(leaves(nested, prefix + key + "."));
            } else {
                keys.add(prefix + key);
            }
        });
        return keys;
    }
}
