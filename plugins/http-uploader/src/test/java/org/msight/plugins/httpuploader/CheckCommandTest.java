package org.msight.plugins.httpuploader;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msight.runtime.cli.MsightRun;

/** {@code msight-run --check} on pipelines with an uploader, and {@code plugins}, through the real command line. */
class CheckCommandTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // a user name holding '@': java.net.URI cannot read it
        "john@corp.example:s3cret@127.0.0.1:8080/in | url: must be a URL http://... or https://..., not"
                + " 'http://***@127.0.0.1:8080/in'",
        // a token as the user name, in a URL that is not valid
        "s3cret@127.0.0.1:80 80/in | url: must be a URL http://... or https://..., not 'http://***@127.0.0.1:80 80/in'",
    })
    void theUploadUrlIsShownWithoutItsUserInfo(String url, String problem) throws Exception {
        String printed = check("""
                nodes {
                  up { type = http-uploader, subscribe-topic = frames, url = "http://%s" }
                }
                """.formatted(url));
        assertThat(printed).contains(problem).contains("http://***@127.0.0.1:").doesNotContain("s3cret")
                .doesNotContain("john");
    }

    /** A TLS file the uploader cannot read, or a folder named where a file goes: one plain line at the key's line. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "missing-ca.pem | no such file",
        "''             | a folder, not a file: give the path of the file in it",
    })
    void aTlsFileTheUploaderCannotReadIsShownAtItsKeysLine(String name, String why) throws Exception {
        Path file = dir.resolve(name);
        String printed = check("""
                nodes {
                  up {
                    type = http-uploader, subscribe-topic = frames, url = "https://127.0.0.1:8443/in"
                    tls.ca-file = "%s"
                  }
                }
                """.formatted(file));
        assertThat(printed).isEqualTo("error: " + dir.resolve("p.conf") + ":4: nodes.up.tls.ca-file: " + file + ": "
                + why + "\n");
    }

    /** A header value no header can carry (requests refuses it; HttpClient sent '?'): told at its key's line. */
    @Test
    void aHeaderValueBeyondLatin1IsToldAtItsKeysLine() throws Exception {
        String printed = check("""
                nodes {
                  up {
                    type = http-uploader, subscribe-topic = frames, url = "http://127.0.0.1:8080/in"
                    headers { X-Site = "\u5317\u95e8" }
                  }
                }
                """);
        assertThat(printed).isEqualTo("error: " + dir.resolve("p.conf") + ":4: nodes.up.headers.X-Site: holds a"
                + " character beyond Latin-1 (MSight's requests refuses it) or a control character from U+0080 to"
                + " U+009F, which HttpClient would send as '?'; remove it\n");
    }

    /**
     * A spool two nodes name is told with what the uploader refuses in their blocks: a node it fails
     * to create still has its spool, and a node both are wrong with is told both.
     */
    @Test
    void aSharedSpoolIsToldWithWhatTheUploaderRefusesInEitherNode() throws Exception {
        Path spool = dir.resolve("spool");
        String printed = check("""
                nodes {
                  first { type = http-uploader, subscribe-topic = f, url = "http://127.0.0.1/in", tls.ca-file = ca.pem, spool.path = "%1$s" }
                  second { type = http-uploader, subscribe-topic = f, url = "http://127.0.0.1/in", spool.path = "%1$s" }
                  third { type = http-uploader, subscribe-topic = f, url = "http://127.0.0.1/in", tls.ca-file = ca.pem, spool.path = "%1$s" }
                }
                """.formatted(spool));
        String at = "error: " + dir.resolve("p.conf") + ":";
        String tls = "tls: set for an http:// url; use https:// or remove the tls block\n";
        String shared = "spool.path: " + spool + " is node first's spool too; give each node a directory of its own\n";
        assertThat(printed).isEqualTo(at + "2: nodes.first." + tls + at + "3: nodes.second." + shared
                + at + "4: nodes.third." + shared + at + "4: nodes.third." + tls);
    }

    @Test
    void pluginsShowsTheUploadersEmptyHeadersDefaultAsEmptyNotAsASecret() throws Exception {
        assertThat(msightRun(0, "plugins", "http-uploader")).contains("  headers = {}    object\n");
        assertThat(msightRun(0, "plugins", "--json", "http-uploader")).contains("\"default\":{}")
                .as("a tool reads the type and the values apart").contains("{\"allowed\":[\"info\",\"debug\"],\"default\":\"info\","
                        + "\"doc\":\"level of the two log lines per upload\",\"key\":\"log-uploads-at\",\"required\":false,"
                        + "\"rules\":[],\"secret\":false,\"type\":\"string\"}");
    }

    /** What {@code msight-run --check} prints for {@code pipeline}, which must fail with exit code 2. */
    private String check(String pipeline) throws Exception {
        Path file = Files.writeString(dir.resolve("p.conf"), pipeline);
        return msightRun(2, "--check", file.toString());
    }

    /** What {@code msight-run args} prints, on standard output and error; it must exit with {@code exitCode}. */
    private static String msightRun(int exitCode, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int exited;
        try {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
            exited = MsightRun.commandLine(new MsightRun()).execute(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        String text = printed.toString(StandardCharsets.UTF_8);
        assertThat(exited).as(text).isEqualTo(exitCode);
        return text;
    }
}
