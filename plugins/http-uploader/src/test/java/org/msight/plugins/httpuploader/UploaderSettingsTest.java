package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msight.api.NodeProvider;
import org.msight.api.Setting;
import org.msight.api.data.ImageData;
import org.msight.testkit.TestNodeContext;
import org.msight.testkit.Waits;

/** The settings: defaults documented in reference.conf, bad values named by key, keys and retries as MSight. */
class UploaderSettingsTest {

    private static final String URL = "url = \"http://127.0.0.1:8080\"\n";
    private static final org.msight.api.data.MsightFormats FORMATS = TestNodeContext.of("http-uploader", URL).formats();

    @Test
    void everyOptionalSettingHasADocumentedDefaultAndTheUrlHasNone() {
        Config defaults = ConfigFactory.defaultReference().getConfig(NodeProvider.DEFAULTS_PATH + ".http-uploader");
        List<Setting> settings = new HttpUploaderProvider().settings();

        assertThat(defaults.root().keySet())
                .containsExactlyInAnyOrderElementsOf(settings.stream().filter(s -> !s.required()).map(Setting::key).toList());
        assertThat(settings).filteredOn(Setting::required).extracting(Setting::key).containsExactly("url");
        for (String key : defaults.root().keySet()) {
            assertThat(defaults.getValue(key).origin().comments()).as(key).isNotEmpty();
        }
    }

    @Test
    void theDefaultsAreMsights() {
        UploaderSettings settings = UploaderSettings.from(TestNodeContext.of("http-uploader", URL).config());

        assertThat(settings.partitionKeyMode()).isEqualTo(PartitionKeys.Mode.RANDOM);
        assertThat(settings.shards()).isEqualTo(1);
        assertThat(settings.startDelay()).isZero();
        assertThat(settings.logUploadsAtDebug()).isFalse();
        assertThat(settings.retry().retriesStatus(503)).isTrue();
        assertThat(settings.retry().retriesStatus(500)).isTrue();
        assertThat(settings.retry().retriesStatus(408)).isTrue();
        assertThat(settings.retry().retriesStatus(429)).isTrue();
        assertThat(settings.retry().retriesStatus(404)).isFalse();
        assertThat(settings.retry().retriesStatus(400)).isFalse();
        assertThat(settings.retry().retriesStatus(302)).isFalse();
        assertThat(settings.tls().configured()).isFalse();
    }

    @Test
    void badValuesAreReportedByKey() {
        assertThatThrownBy(() -> settings("")).hasMessage("url: missing");
        assertThatThrownBy(() -> settings("url = \"ftp://host/\"")).hasMessage("url: must be http://host[:port][/path]"
                + " or https://..., was 'ftp://host/'");
        assertThatThrownBy(() -> settings("url = \"http://u:pw@host:8080/x#y\"")).hasMessage("url: must not have a #fragment");
        assertThatThrownBy(() -> settings("url = \"http//u:pw@host\"")).hasMessage("url: must be"
                + " http://host[:port][/path] or https://..., was '***@host'");
        assertThatThrownBy(() -> settings("url = \"http://u:pw@host:80 80/\"")).hasMessageStartingWith("url: not a valid URL")
                .hasMessageEndingWith("'http://***@host:80 80/'");
        assertThatThrownBy(() -> settings(URL + "partition-key-mode = sensor"))
                .hasMessage("partition-key-mode: use random or sensor_name, was 'sensor'");
        assertThatThrownBy(() -> settings(URL + "retry-statuses = [\"404\"]")).hasMessage("retry-statuses: '404' cannot"
                + " be retried: a 4xx status other than 408 and 429 means the request itself is wrong");
        assertThatThrownBy(() -> settings(URL + "retry-statuses = [\"4xx\"]")).hasMessageStartingWith("retry-statuses: '4xx'");
        assertThatThrownBy(() -> settings(URL + "retry-statuses = [\"50x\"]")).hasMessage("retry-statuses: '50x' is"
                + " neither a status code (503) nor a class (5xx)");
        assertThatThrownBy(() -> settings(URL + "headers { \"X Token\" = a }"))
                .hasMessage("headers.X Token: not a header name, which holds only letters, digits and"
                        + " !#$%&'*+-.^_`|~ (no spaces)");
        assertThatThrownBy(() -> settings(URL + "headers { \"X-Token:\" = a }")).hasMessageStartingWith(
                "headers.X-Token:: not a header name");
        assertThatThrownBy(() -> settings(URL + "headers { X-Partition-Key = a }"))
                .hasMessage("headers.X-Partition-Key: set by the uploader itself; remove it");
        assertThatThrownBy(() -> settings(URL + "headers { X-Token { a = b } }"))
                .hasMessage("headers.X-Token: must be a string, not object");
        assertThatThrownBy(() -> settings(URL + "headers { Authorization = \"Bearer \"${?UNSET_UPLOAD_TOKEN} }"))
                .hasMessage("headers.Authorization: 'Bearer' with no credentials after it: is the environment"
                        + " variable it takes set?");
        // HttpClient sends a line break as it is: a forged header, and the value a server echoes is no longer masked
        assertThatThrownBy(() -> settings(URL + "headers { Authorization = \"Bearer t0ken\\nX-Forged: 1\" }"))
                .hasMessage("headers.Authorization: holds a line break or another control character, which a header"
                        + " cannot carry (one at the end of an environment variable, too); remove it");
        assertThatThrownBy(() -> settings(URL + "headers { X-Token = \"t0ken\\u0001\" }"))
                .hasMessageStartingWith("headers.X-Token: holds a line break");
        assertThat(settings(URL + "headers { X-Auth-Scheme = Basic }").headers()).containsKey("X-Auth-Scheme");
        // HttpCore sends each character beyond Latin-1, and each of its C1 controls, as '?'; requests refuses the first
        assertThatThrownBy(() -> settings(URL + "headers { X-Site = \"\u5317\u95e8\" }"))
                .hasMessage("headers.X-Site: holds a character beyond Latin-1 (MSight's requests refuses it) or a"
                        + " control character from U+0080 to U+009F, which HttpClient would send as '?'; remove it");
        assertThatThrownBy(() -> settings(URL + "headers { X-Site = \"a\u0085b\" }"))
                .hasMessageStartingWith("headers.X-Site: holds a character beyond Latin-1");
        assertThat(settings(URL + "headers { X-Site = \"caf\u00e9\" }").headers()).as("Latin-1, sent as it is")
                .containsKey("X-Site");
        assertThatThrownBy(() -> settings(URL + "tls { ca-file = a, trust-store = b }"))
                .hasMessage("tls.ca-file: set either tls.ca-file or tls.trust-store, not both");
    }

    @Test
    void retryStatusesAreCodesOrClasses() {
        RetryStatuses retry = RetryStatuses.parse(List.of("503", "429"));

        assertThat(retry.retriesStatus(503)).isTrue();
        assertThat(retry.retriesStatus(429)).isTrue();
        assertThat(retry.retriesStatus(502)).isFalse();
    }

    @Test
    void randomKeysArePythonsStrOfTheTime() {
        assertThat(PartitionKeys.posixSeconds(Instant.ofEpochSecond(1763353393, 866798000), FORMATS)).isEqualTo("1763353393.866798");
        assertThat(PartitionKeys.posixSeconds(Instant.ofEpochSecond(1763353393, 0), FORMATS)).isEqualTo("1763353393.0");
        assertThat(PartitionKeys.posixSeconds(Instant.ofEpochSecond(1763353393, 500000000), FORMATS)).isEqualTo("1763353393.5");
        PartitionKeys keys = new PartitionKeys(PartitionKeys.Mode.RANDOM, 1,
                Clock.fixed(Instant.ofEpochSecond(1763353393, 866798000), ZoneOffset.UTC), FORMATS);
        assertThat(keys.next(Frames.next("cam"))).isEqualTo("1763353393.866798");
    }

    @Test
    void sensorNameKeysOfAFrameWithoutSensorAreLikePythons() {
        PartitionKeys keys = new PartitionKeys(PartitionKeys.Mode.SENSOR_NAME, 2, Clock.systemUTC(), FORMATS);
        ImageData anonymous = ImageData.jpeg(new org.msight.api.data.Metadata(null, 1, 1, 1, null), Frames.JPEG, 8, 16);

        assertThat(List.of(keys.next(anonymous), keys.next(anonymous), keys.next(anonymous)))
                .containsExactly("None1", "None0", "None1");
    }

    /**
     * A message's key is the same at each of its attempts, until its upload ends; a message the
     * runtime lets go of (given up after its retries) is not kept for its key, nor is its key.
     */
    @Test
    void aMessageKeepsItsKeyUntilItsUploadEndsOrTheRuntimeLetsGoOfIt() {
        PartitionKeys keys = new PartitionKeys(PartitionKeys.Mode.SENSOR_NAME, 3, Clock.systemUTC(), FORMATS);
        ImageData retried = Frames.next("cam");

        assertThat(List.of(keys.of(retried), keys.of(Frames.next("cam")), keys.of(retried)))
                .containsExactly("cam1", "cam2", "cam1");
        keys.ended(retried);
        assertThat(keys.of(retried)).as("sent again once ended: a message of its own").isEqualTo("cam0");
        for (int i = 0; i < 1000; i++) {
            keys.of(Frames.next("cam"));
        }
        await("the keys of the messages let go of gone").atMost(Waits.GENEROUS).until(() -> {
            System.gc();
            return keys.of(retried).equals("cam0") && keys.held() == 1;
        });
    }

    /**
     * As requests 2.34.2 takes them: a header value in Latin-1, with no line break nor whitespace
     * at its start; and none of the control characters HttpCore would send as '?' (requests sends them).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            \u6444\u50cf\u59340 | a character beyond Latin-1, which a header cannot carry
            caf\u00e90          | -
            a\u00850            | a control character, which HttpClient cannot send as it is
            ca\u0001m0          | a control character, which HttpClient cannot send as it is
            ca\u007fm0          | a control character, which HttpClient cannot send as it is
            'ca\tm0'            | -
            ' cam0'             | whitespace at its start
            '\u00a0cam0'        | whitespace at its start
            cam\\n0             | a line break
            """)
    void aKeyIsSentAsAHeaderWhereRequestsSendsIt(String key, String unsendable) {
        assertThat(PartitionKeys.unsendable(key.replace("\\n", "\n"))).isEqualTo(unsendable);
    }

    /** requests 2.34.2 adds partition_key after an '&' unless the query is empty, whatever ends it. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            http://127.0.0.1/in       | http://127.0.0.1/in?partition_key=k
            http://127.0.0.1/in?      | http://127.0.0.1/in?partition_key=k
            http://127.0.0.1/in?a=1   | http://127.0.0.1/in?a=1&partition_key=k
            http://127.0.0.1/in?a=1&  | http://127.0.0.1/in?a=1&&partition_key=k
            http://127.0.0.1/in?&     | http://127.0.0.1/in?&&partition_key=k
            http://127.0.0.1/in??     | http://127.0.0.1/in??&partition_key=k
            """)
    void thePartitionKeyJoinsTheQueryAsRequestsJoinsIt(String url, String uploadUrl) {
        assertThat(UploadTarget.parse(url).uploadUrl("k")).isEqualTo(uploadUrl);
    }

    /**
     * The url's path and query as requests prepares them (urllib3's parse_url, then requote_uri):
     * what a path or query may not hold percent-encoded ({@code []}, which Tomcat and Spring Boot
     * refuse raw with a 400), escapes in upper case, dot segments removed from the path. Each
     * target is what requests 2.28.1 with urllib3 1.26.12 prepared of the url with its key (their
     * parse_url encodes a path and query as urllib3 2.x does); no url has an empty path, which
     * requests writes as {@code /} where HttpClient sends the same.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            http://h/in?ids[]=1                       | http://h/in?ids%5B%5D=1&partition_key=k
            http://h:8080/in?ids[]=1&f[site]=n        | http://h:8080/in?ids%5B%5D=1&f%5Bsite%5D=n&partition_key=k
            http://h/%2f                              | http://h/%2F?partition_key=k
            http://h/a/./b/../c                       | http://h/a/c?partition_key=k
            http://h/a%20b?q=%20+%2F&r=a+b            | http://h/a%20b?q=%20+%2F&r=a+b&partition_key=k
            http://[::1]:8080/in?ids[]=1              | http://[::1]:8080/in?ids%5B%5D=1&partition_key=k
            http://[2001:db8::1]/a/../in?x=%2f        | http://[2001:db8::1]/in?x=%2F&partition_key=k
            http://h/in?                              | http://h/in?partition_key=k
            http://h/in?a=1?b=/c&d=e/f?               | http://h/in?a=1?b=/c&d=e/f?&partition_key=k
            http://h/in?next=/a/./b/../c              | http://h/in?next=/a/./b/../c&partition_key=k
            http://h/\u4e0a\u4f20?cam=\u5317          | http://h/%E4%B8%8A%E4%BC%A0?cam=%E5%8C%97&partition_key=k
            http://h/caf%c3%a9/\u00e9                 | http://h/caf%C3%A9/%C3%A9?partition_key=k
            http://h/in?\u00e9=%c3%a9&q=%e2%82%ac     | http://h/in?%C3%A9=%C3%A9&q=%E2%82%AC&partition_key=k
            http://h/%7e%41/%2E%2E/x?%7e=%41          | http://h/~A/../x?~=A&partition_key=k
            http://h/p;x=1/(a)*!'$,@:?q=$&r=(x)*!'@:/ | http://h/p;x=1/(a)*!'$,@:?q=$&r=(x)*!'@:/&partition_key=k
            http://h/..                               | http://h/?partition_key=k
            http://h/a/.                              | http://h/a/?partition_key=k
            http://h/a/..                             | http://h/?partition_key=k
            http://h/a//./b/                          | http://h/a//b/?partition_key=k
            http://h/./a/../../b                      | http://h/b?partition_key=k
            http://h/a/.b/..c/...                     | http://h/a/.b/..c/...?partition_key=k
            "http://h/p?x={a}|b"                      | http://h/p?x=%7Ba%7D%7Cb&partition_key=k
            http://h/a b                              | http://h/a%20b?partition_key=k
            http://h/a[b]/c                           | http://h/a%5Bb%5D/c?partition_key=k
            http://h/p?q=a%20b%zz                     | http://h/p?q=a%2520b%25zz&partition_key=k
            http://h/p?x=50%                          | http://h/p?x=50%25&partition_key=k
            """)
    void theUrlsPathAndQueryAreSentAsRequestsPreparesThem(String url, String uploadUrl) {
        assertThat(UploadTarget.parse(url).uploadUrl("k")).isEqualTo(uploadUrl);
    }

    @Test
    void theUrlKeepsItsQueryAndLosesItsCredentials() {
        UploadTarget target = UploadTarget.parse("https://lab:p%40ss@example.org:8443/in?x=1");

        assertThat(target.base()).isEqualTo("https://example.org:8443/in?x=1");
        assertThat(target.loggable()).isEqualTo("https://***@example.org:8443/in?x=***");
        assertThat(target.basicCredentials()).isEqualTo("lab:p@ss");
        assertThat(target.uploadUrl("a b&c")).isEqualTo("https://example.org:8443/in?x=1&partition_key=a+b%26c");
        // as Python's quote_plus: urllib.parse.quote_plus("cam 1/a&b=c+d~_.-*2") == "cam+1%2Fa%26b%3Dc%2Bd~_.-%2A2"
        assertThat(target.uploadUrl("cam 1/a&b=c+d~_.-*2")).endsWith("&partition_key=cam+1%2Fa%26b%3Dc%2Bd~_.-%2A2");
        assertThat(UploadTarget.parse("http://[::1]:8080").uploadUrl("k")).isEqualTo("http://[::1]:8080?partition_key=k");
        UploadTarget underscored = UploadTarget.parse("HTTP://lab:p%40ss@upload_server:8080/in?x=1"); // Docker Compose's names
        assertThat(underscored.base()).isEqualTo("http://upload_server:8080/in?x=1");
        assertThat(underscored.loggable()).isEqualTo("HTTP://***@upload_server:8080/in?x=***");
        assertThat(underscored.basicCredentials()).isEqualTo("lab:p@ss");
        assertThat(UploadTarget.parse("http://lab:p%40ss@upload_server:8080/a b?f={x}").uploadUrl("k"))
                .isEqualTo("http://upload_server:8080/a%20b?f=%7Bx%7D&partition_key=k");
        assertThatThrownBy(() -> UploadTarget.parse("https://lab:s3cret@upload_server/in")).hasMessage("url: a host"
                + " name with '_' works over http:// only: Java's TLS cannot check a certificate's name against it; give"
                + " the server a name without '_' (a network alias), was 'https://***@upload_server/in'");
        // as Python's requests: a user without a password sends no credentials; an empty password does
        assertThat(UploadTarget.parse("http://TOKEN@example.org/in").basicCredentials()).isNull();
        assertThat(UploadTarget.parse("http://us%3Aer@example.org/in").basicCredentials()).as("a colon in the name")
                .isNull();
        assertThat(UploadTarget.parse("http://lab:@example.org/in").basicCredentials()).isEqualTo("lab:");
        UploadTarget atInName = UploadTarget.parse("http://john@corp.example:s3cret@127.0.0.1:8080/x");
        assertThat(atInName.basicCredentials()).as("up to the last '@'").isEqualTo("john@corp.example:s3cret");
        assertThat(atInName.loggable()).isEqualTo("http://***@127.0.0.1:8080/x");
        assertThat(UploadTarget.parse("http://lab:p%C3%A4ss@example.org/in").basicCredentials()).isEqualTo("lab:p\u00e4ss");
        assertThatThrownBy(() -> UploadTarget.parse("http://lab:%E2%82%AC@example.org/in")).hasMessage("url: its user"
                + " name or password holds a character HTTP Basic credentials cannot carry (they are sent in Latin-1,"
                + " as MSight's requests sends them)");
        // as requests sends it (requote_uri): letters beyond ASCII as UTF-8, escapes of unreserved characters decoded;
        // the partition key then quote_plus'd as before
        UploadTarget unicode = UploadTarget.parse("http://h:8080/\u4e0a\u4f20%7e?cam=\u5317\u95e8&n=%41%2F");
        assertThat(unicode.uploadUrl("cam 1/\u00e9")).isEqualTo("http://h:8080/%E4%B8%8A%E4%BC%A0~"
                + "?cam=%E5%8C%97%E9%97%A8&n=A%2F&partition_key=cam+1%2F%C3%A9");
        assertThat(unicode.loggable()).isEqualTo("http://h:8080/\u4e0a\u4f20%7e?cam=***&n=***");
        // URI finds no host in a name whose last label starts with a digit either: that one works over TLS
        assertThat(UploadTarget.parse("https://cam.1lan:8443/in").base()).isEqualTo("https://cam.1lan:8443/in");
    }

    /** As requests (urllib3's parse_url): the user info ends at the authority's last '@', and is sent as written. */
    @ParameterizedTest
    @CsvSource(delimiterString = " -> ", value = {"50%off -> 50%off", "p@ss -> p@ss", "p^ss{1 -> p^ss{1",
        "'a b|c' -> 'a b|c'", "p%40ss -> p@ss"})
    void aPasswordIsTakenAsRequestsTakesItAndNeverShown(String written, String sent) {
        UploadTarget target = UploadTarget.parse("http://cam:" + written + "@h/up");

        assertThat(target.basicCredentials()).isEqualTo("cam:" + sent);
        assertThat(target.base()).isEqualTo("http://h/up");
        assertThat(target.loggable()).isEqualTo("http://***@h/up");
        assertThatThrownBy(() -> UploadTarget.parse("https://cam:" + written + "@up_host/up"))
                .hasMessageEndingWith("was 'https://***@up_host/up'");
        assertThatThrownBy(() -> UploadTarget.parse("http://cam:" + written + "@h:99999/up"))
                .message().doesNotContain(written).doesNotContain(sent);
    }

    private static UploaderSettings settings(String hocon) {
        return UploaderSettings.from(TestNodeContext.of("http-uploader", hocon).config());
    }

    @Test
    void secretsAreSecretsSoTheSettingsPrintNone() {
        UploaderSettings settings = UploaderSettings.from(TestNodeContext.of("http-uploader", """
                url = "http://user:s3cret@127.0.0.1:8080/upload"
                headers { Authorization = "Bearer t0ken", X-Site = lab }
                tls { trust-store = /etc/trust.p12, trust-store-password = tpass, key-store = /etc/key.p12,
                      key-store-password = kpass }
                """).config());
        assertThat(settings.toString())
                .contains("http://***@127.0.0.1:8080/upload", "Authorization=***", "X-Site=***",
                        "trustStorePassword=***", "keyStorePassword=***", "keyStore=/etc/key.p12")
                .doesNotContain("s3cret", "dXNlcjpzM2NyZXQ", "t0ken", "tpass", "kpass");
    }
}
