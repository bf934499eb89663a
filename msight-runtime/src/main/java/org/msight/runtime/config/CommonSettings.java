package org.msight.runtime.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.msight.api.AsyncSinkNode;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.runtime.node.DeliverySettings;

/** The settings the runtime handles for every node, by kind; defaults in {@code msight.node-defaults}. */
public final class CommonSettings {

    /** Messages an inbox holds at most: beyond this a queue of frames is memory nobody can afford. */
    static final int MAX_QUEUE_CAPACITY = 100_000;
    /** The smallest byte budget of an inbox: under this, it would rarely hold more than one frame. */
    static final long MIN_QUEUE_BYTES = 1 << 20;

    private static final Setting GAP = Setting.optional("gap", SettingType.INT,
            "handle one message out of every gap+1, as MSight counts (0: all; 9: one in ten)").atLeast(0);
    private static final Setting QUEUE_CAPACITY = Setting.optional("queue-capacity", SettingType.INT,
            "messages waiting for this node at most; when full the oldest is dropped").between(1, MAX_QUEUE_CAPACITY);
    private static final Setting QUEUE_MAX_BYTES = Setting.optional("queue-max-bytes", SettingType.STRING,
            "payload bytes waiting at most; then the oldest are dropped").size(MIN_QUEUE_BYTES, "32MiB");
    private static final Setting REGISTRY_TYPE = Setting.optional("registry-type", SettingType.STRING,
            "the type in MSight's node registry (empty: the node type; launchers: RTSPSourceNode...)");
    private static final Setting GROUP_ID = Setting.optional("group-id", SettingType.STRING,
            "share the topic with this group's nodes, each message to one of them (nats, kafka); empty: all");
    private static final Setting RESTART_BACKOFF = Setting.backoff("restart-backoff",
            "wait before reopening a failed node: { initial, max }, doubling");
    /** The runtime's delivery, which asynchronous sinks take as well. */
    private static final List<Setting> DELIVERY = List.of(
            // each attempt under way holds a connection and a body: a stalled destination keeps them all
            Setting.optional("max-in-flight", SettingType.INT, "attempts under way at most")
                    .between(1, AsyncSinkNode.MAX_IN_FLIGHT),
            Setting.optional("retries", SettingType.INT, "attempts after the first before a message is given up")
                    .between(0, 1000),
            Setting.backoff("retry-backoff",
                    "wait before a retry: { initial, max }, doubling, jittered; a longer Retry-After is waited instead"
                            + " (up to 5 minutes)"),
            Setting.optional("attempt-timeout", SettingType.DURATION,
                    "deadline of one whole attempt (connect, send, complete answer); then aborted and retried")
                    .between(Duration.ofMillis(1), Duration.ofHours(1)),
            Setting.block("spool", "store and forward: messages kept on disk while the destination is away",
                    Setting.optional("path", SettingType.FOLDER, "folder of the spool; empty for none"),
                    Setting.optional("max-size", SettingType.STRING, "size of the spool at most; then its oldest are dropped")
                            .size(DeliverySettings.MIN_SPOOL_BYTES, "512MiB or 2GiB")));

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
            settings.add(QUEUE_MAX_BYTES);
            settings.add(GROUP_ID);
        }
        settings.add(REGISTRY_TYPE);
        settings.add(RESTART_BACKOFF);
        return settings;
    }

    /** The settings of the runtime's delivery, which nodes of asynchronous sink types take. */
    public static List<Setting> delivery() {
        return DELIVERY;
    }

    /** The common settings of nodes of {@code type}: by its kind, and the delivery's for asynchronous sinks. */
    public static List<Setting> of(NodeProvider type) {
        List<Setting> settings = new ArrayList<>(of(type.kind()));
        if (type.asynchronous()) {
            settings.addAll(DELIVERY);
        }
        return settings;
    }

    /** The block of defaults every node inherits: {@code msight.node-defaults}. */
    static Setting nodeDefaults() {
        List<Setting> all = new ArrayList<>(
                List.of(GAP, QUEUE_CAPACITY, QUEUE_MAX_BYTES, GROUP_ID, REGISTRY_TYPE, RESTART_BACKOFF));
        all.addAll(DELIVERY);
        return Setting.block("node-defaults", "the defaults of the settings every node block takes",
                all.toArray(Setting[]::new));
    }
}
