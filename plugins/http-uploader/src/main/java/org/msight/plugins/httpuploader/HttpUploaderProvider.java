package org.msight.plugins.httpuploader;

import java.time.Clock;
import java.util.List;
import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.SettingType;

/**
 * The {@code http-uploader} node type: MSight's {@code msight_launch_http}. Defaults and a
 * comment per setting are in this plugin's {@code reference.conf}.
 */
public final class HttpUploaderProvider implements NodeProvider {

    @Override
    public String type() {
        return "http-uploader";
    }

    @Override
    public NodeKind kind() {
        return NodeKind.SINK;
    }

    @Override
    public boolean asynchronous() {
        return true;
    }

    @Override
    public String description() {
        return "POSTs each message as MSight's JSON (bytes in Base64) to an HTTP(S) server, with partition keys";
    }

    @Override
    public List<Setting> settings() {
        return List.of(
                Setting.required("url", SettingType.STRING, "where to POST, http:// or https://"),
                Setting.optional("headers", SettingType.OBJECT, "extra request headers; values are never logged"),
                Setting.oneOf("partition-key-mode", "how partition keys are made: POSIX time, or <sensor_name><n>",
                        "random", "sensor_name"),
                Setting.optional("shards", SettingType.INT, "how many keys mode sensor_name cycles through"),
                Setting.optional("wait", SettingType.DURATION, "delay before the first upload"),
                Setting.oneOf("log-uploads-at", "level of the two log lines per upload", "info", "debug"),
                Setting.optional("connect-timeout", SettingType.DURATION, "time to establish a connection"),
                Setting.optional("retry-statuses", SettingType.STRING_LIST,
                        "retried response statuses: codes or classes (5xx); only 408 and 429 of the 4xx"),
                Setting.optional("tls", SettingType.OBJECT, "TLS trust (ca-file or trust-store) and client"
                        + " certificate (cert-file and key-file, or key-store) for https:// URLs"));
    }

    @Override
    public Node create(NodeContext context) {
        UploaderSettings settings = UploaderSettings.from(context.config());
        if (settings.tls().configured() && !settings.target().https()) {
            throw new IllegalArgumentException("tls: set for an http:// url; use https:// or remove the tls block");
        }
        UnansweredCertificateRequests certificateRequests = new UnansweredCertificateRequests();
        return new HttpUploader(settings, context, settings.tls().sslContext(certificateRequests), certificateRequests,
                new PartitionKeys(settings.partitionKeyMode(), settings.shards(), Clock.systemUTC(), context.formats()));
    }
}
