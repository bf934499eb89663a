package org.msight.runtime.config;

import java.util.ArrayList;
import java.util.List;
import org.msight.api.NodeKind;
import org.msight.api.Setting;
import org.msight.api.SettingType;

/** The settings the runtime handles for every node, by kind; defaults in {@code msight.node-defaults}. */
public final class CommonSettings {

    /** Messages an inbox holds at most: beyond this a queue of frames is memory nobody can afford. */
    static final int MAX_QUEUE_CAPACITY = 100_000;

    private static final Setting GAP = Setting.optional("gap", SettingType.INT,
            "handle one message out of every gap+1, as MSight counts (0: all; 9: one in ten)").atLeast(0);
    private static final Setting QUEUE_CAPACITY = Setting.optional("queue-capacity", SettingType.INT,
            "messages waiting for this node at most; when full the oldest is dropped").between(1, MAX_QUEUE_CAPACITY);
    private static final Setting GROUP_ID = Setting.optional("group-id", SettingType.STRING,
            "share the topic with this group's nodes, each message to one of them (nats, kafka); empty: all");
    private static final Setting RESTART_BACKOFF = Setting.backoff("restart-backoff",
            "wait before reopening a failed node: { initial, max }, doubling");

    private CommonSettings() {
    }

    /** The common settings a node of {@code kind} takes. */
    public static List<Setting> of(NodeKind kind) {
        List<Setting> settings = new ArrayList<>();
        settings.add(Setting.required("type", SettingType.STRING, "the node type, from msight-run plugins"));
        settings.add(GAP);
        if (kind.publishes()) {
            settings.add(Setting.required("publish-topic", SettingType.STRING, "the topic this node publishes to")
                    .nonEmpty());
        }
        if (kind == NodeKind.SOURCE) {
            settings.add(Setting.optional("sensor-name", SettingType.STRING,
                    "the sensor name in every message (default: the node's name)").nonEmpty());
        }
        if (kind.subscribes()) {
            settings.add(Setting.required("subscribe-topic", SettingType.STRING, "the topic this node subscribes to")
                    .nonEmpty());
            settings.add(QUEUE_CAPACITY);
            settings.add(GROUP_ID);
        }
        settings.add(RESTART_BACKOFF);
        return settings;
    }

    /** The block of defaults every node inherits: {@code msight.node-defaults}. */
    static Setting nodeDefaults() {
        return Setting.block("node-defaults", "the defaults of the settings every node block takes",
                GAP, QUEUE_CAPACITY, GROUP_ID, RESTART_BACKOFF);
    }
}
