package org.msight.plugins.httpuploader;

import com.typesafe.config.ConfigFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import org.msight.api.data.SensorData;
import org.msight.runtime.node.AsyncDelivery;
import org.msight.runtime.node.DeliverySettings;
import org.msight.testkit.TestNodeContext;

/**
 * An uploader as the runtime runs it: the node behind the runtime's {@link AsyncDelivery}, with
 * the delivery settings of the node's block over the runtime's defaults.
 */
final class Uploading implements AutoCloseable {

    final HttpUploader node;
    private final AsyncDelivery delivery;

    private Uploading(HttpUploader node, AsyncDelivery delivery) {
        this.node = node;
        this.delivery = delivery;
    }

    /** One without environment variables: this machine's proxies and CA file would change what a test sees. */
    static Uploading open(TestNodeContext context) throws Exception {
        return open(context, Map.of());
    }

    /** One whose host names are looked up by {@code dns}. */
    static Uploading open(TestNodeContext context, LastKnownDnsResolver.HostLookup dns) throws Exception {
        return open(context, new HttpUploaderProvider().create(context, dns, Map.of()));
    }

    /** One with {@code environment}'s variables: its proxies and CA file. */
    static Uploading open(TestNodeContext context, Map<String, String> environment) throws Exception {
        return open(context, new HttpUploaderProvider().create(context, InetAddress::getAllByName, environment));
    }

    private static Uploading open(TestNodeContext context, HttpUploader node) throws Exception {
        node.open();
        DeliverySettings settings = DeliverySettings.from(context.config()
                .withFallback(ConfigFactory.defaultReference().getConfig("msight.node-defaults")));
        AsyncDelivery delivery = new AsyncDelivery(context.nodeName(), node, settings, context.formats(),
                context.logger(), data -> context.counter("out").increment(), nanos -> context.counter("attempt-nanos").increment(nanos), context::counter);
        delivery.sinkOpened();
        return new Uploading(node, delivery);
    }

    /** Hands one message over, as the node's thread does; blocks while max-in-flight are under way. */
    void put(SensorData data) throws InterruptedException {
        delivery.submit(data, () -> { });
    }

    void flush(Duration timeout) throws InterruptedException {
        delivery.flush(timeout);
    }

    @Override
    public void close() {
        delivery.close();
        node.close();
    }
}
