package org.msight.runtime.config;

import java.util.ArrayList;
import java.util.List;
import org.msight.api.NodeKind;
import org.msight.api.Setting;
import org.msight.api.SettingType;

/** The settings the runtime handles for every node, by kind; defaults in {@code msight.node-defaults}. */
public final class CommonSettings {

    private CommonSettings() {
    }

    /** The common settings a node of {@code kind} takes. */
    public static List<Setting> of(NodeKind kind) {
        List<Setting> settings = new ArrayList<>();
        settings.add(Setting.required("type", SettingType.STRING, "the node type, from msight-run plugins"));
        settings.add(Setting.optional("gap", SettingType.INT,
                "handle one message out of every gap+1, as MSight counts (0: all; 9: one in ten)"));
        if (kind.publishes()) {
            settings.add(Setting.required("publish-topic", SettingType.STRING, "the topic this node publishes to"));
        }
        if (kind == NodeKind.SOURCE) {
            settings.add(Setting.optional("sensor-name", SettingType.STRING,
                    "the sensor name in every message (default: the node's name)"));
        }
        if (kind.subscribes()) {
            settings.add(Setting.required("subscribe-topic", SettingType.STRING, "the topic this node subscribes to"));
            settings.add(Setting.optional("queue-capacity", SettingType.INT,
                    "messages waiting for this node at most; when full the oldest is dropped"));
            settings.add(Setting.optional("group-id", SettingType.STRING, "share the topic with the nodes of this group,"
                    + " each message to one of them, on buses that can (nats, kafka); empty: every message"));
        }
        settings.add(Setting.optional("restart-backoff", SettingType.OBJECT,
                "wait before reopening a failed node: { initial, max }, doubling"));
        return settings;
    }
}
