package org.msight.runtime.cli.launch;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.msight.api.Node;
import org.msight.api.NodeContext;
import org.msight.api.NodeKind;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.SettingType;
import org.msight.api.SinkNode;
import org.msight.api.data.SensorData;

/**
 * Test node type {@code http-uploader} for a launcher run in a JVM of its own, where the plugin is
 * not: it takes the plugin's settings, waits {@code wait} in its open as the plugin does, and POSTs
 * each message's sensor name to {@code url}. Listed as a provider, with the defaults of its
 * settings, only on that JVM's class path ({@link LaunchHttpTest}).
 */
public final class PostingSink implements NodeProvider {

    @Override
    public String type() {
        return "http-uploader";
    }

    @Override
    public NodeKind kind() {
        return NodeKind.SINK;
    }

    @Override
    public String description() {
        return "test: POSTs each message's sensor name";
    }

    @Override
    public List<Setting> settings() {
        return List.of(Setting.required("url", SettingType.STRING, "where to POST"),
                Setting.optional("partition-key-mode", SettingType.STRING, "taken, unused"),
                Setting.optional("shards", SettingType.INT, "taken, unused"),
                Setting.optional("wait", SettingType.DURATION, "delay in open, as the plugin's"));
    }

    @Override
    public Node create(NodeContext context) {
        URI url = URI.create(context.config().getString("url"));
        Duration wait = context.config().getDuration("wait");
        HttpClient client = HttpClient.newHttpClient();
        return new SinkNode() {
            @Override
            public void open() throws InterruptedException {
                context.pauseUnlessStopping(wait);
            }

            @Override
            public void put(SensorData data) throws Exception {
                client.send(HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.ofString(
                        data.metadata().sensorName())).build(), HttpResponse.BodyHandlers.discarding());
            }
        };
    }
}
