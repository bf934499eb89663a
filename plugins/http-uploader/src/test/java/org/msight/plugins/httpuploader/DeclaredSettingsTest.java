package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msight.runtime.PipelineFactory;
import org.msight.runtime.config.PipelineConfigException;

/** The uploader's declared settings, checked by the runtime's loader before any node exists. */
class DeclaredSettingsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "max-in-flight = 2147483647       | max-in-flight: must be 1 to 256, not 2147483647",
        "url = \"ftp://host/x\"           | url: must be a URL http://... or https://..., not 'ftp://host/x'",
        "url = \"\"                       | url: must be a URL http://... or https://..., not ''",
        "url = \"http://127.0.0.1:99999/\" | url: must be a URL http://... or https://..., not"
                + " 'http://127.0.0.1:99999/'",
        "shards = 0                       | shards: must be 1 to 1000000, not 0",
        "connect-timeout = 0s             | connect-timeout: must be 1ms to 1h, not '0s'",
        "wait = -1s                       | wait: must be 0s to 24h, not '-1s'",
        "log-uploads-at = trace           | log-uploads-at: 'trace' is not one of info, debug",
        "retry-backoff { maks = 1s }      | retry-backoff.maks: unknown setting of block 'retry-backoff'"
                + " (did you mean 'max'?); it takes: initial, max",
        "retry-backoff { initial = 2s, max = 1s } | retry-backoff: max must not be shorter than initial",
        "tls { ca-fil = x }               | tls.ca-fil: unknown setting of block 'tls' (did you mean 'ca-file'?);"
                + " it takes: ca-file, trust-store, trust-store-password, cert-file, key-file, key-store,"
                + " key-store-password",
        "tls.key-store-password = [hunter2] | tls.key-store-password: must be a string, not ***",
        "headers = [\"Bearer t0k3n\"]     | headers: must be a block { ... }, not ***",
        "spool.path = \"/proc/self/status/spool\" | spool.path: cannot write /proc/self/status/spool"
                + " (/proc/self/status is not a writable folder)",
        "partition-key-mode = sensor-name | partition-key-mode: 'sensor-name' is not one of random, sensor_name"
                + " (did you mean 'sensor_name'?)",
    })
    void badValuesAreRefusedByTheLoaderWithoutShowingSecrets(String setting, String message) {
        var pipeline = ConfigFactory.parseString(setting).atPath("nodes.up").withFallback(ConfigFactory.parseString(
                "nodes.up { type = http-uploader, subscribe-topic = t, url = \"http://127.0.0.1:9/\" }"));
        assertThatThrownBy(() -> new PipelineFactory(List.of()).load("test", pipeline))
                .isInstanceOf(PipelineConfigException.class).hasMessage("test:1: nodes.up." + message);
    }
}
