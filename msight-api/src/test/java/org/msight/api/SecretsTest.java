package org.msight.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SecretsTest {

    @Test
    void theWholeUserInfoOfAUrlIsMasked() {
        assertThat(Secrets.redactUrl("rtsp://admin:s3cr%40t@10.0.0.5:554/live")).isEqualTo("rtsp://***@10.0.0.5:554/live");
        assertThat(Secrets.redactUrl("could not open https://u:p@h/x: refused")).isEqualTo("could not open https://***@h/x: refused");
        assertThat(Secrets.redactUrl("rtsp://admin:p@ss@cam/live")).isEqualTo("rtsp://***@cam/live");
        assertThat(Secrets.redactUrl("a rtsp://u:pw@h/x and http://v:pw2@k/y")).isEqualTo("a rtsp://***@h/x and http://***@k/y");
    }

    @Test
    void aUserNameHoldingAnAtSignDoesNotUnmaskThePassword() {
        assertThat(Secrets.redactUrl("cannot open rtsp://john@corp.example:PASSWORD@10.0.0.5/live.stream: refused"))
                .isEqualTo("cannot open rtsp://***@10.0.0.5/live.stream: refused");
    }

    @Test
    void aTokenAsTheUserNameIsMasked() {
        assertThat(Secrets.redactUrl("Sending data to http://TOKEN@host:8080/path?q=1... waiting for response"))
                .isEqualTo("Sending data to http://***@host:8080/path?q=1... waiting for response");
        assertThat(Secrets.redactUrl("url = \"https://TOKEN@host\"")).isEqualTo("url = \"https://***@host\"");
    }

    @Test
    void aPasswordHoldingWhatEndsAHostIsMaskedWhole() {
        assertThat(Secrets.redactUrl("rtsp://admin:Pa/ss#w0rd?@127.0.0.1:1/live")).isEqualTo("rtsp://***@127.0.0.1:1/live");
        assertThat(Secrets.redactUrl("cannot open rtsp://admin:Pa/ss#w0rd@127.0.0.1:1/live: refused"))
                .isEqualTo("cannot open rtsp://***@127.0.0.1:1/live: refused");
        assertThat(Secrets.redactUrl("Sending data to http://admin:it's-me@127.0.0.1:18083/x... waiting"))
                .isEqualTo("Sending data to http://***@127.0.0.1:18083/x... waiting");
        // a setting's value, one URL: white space and quotes in the password are masked too
        assertThat(Secrets.redactUrl("http://admin:my \"secret\" <pw>@127.0.0.1:8080/x"))
                .isEqualTo("http://***@127.0.0.1:8080/x");
    }

    /** Up to the '@' after the blank: in a setting's value, before its next URL; in a quoted URL, before its quote. */
    @Test
    void aPasswordHoldingABlankIsMaskedWholeWhereTheExtentOfItsUrlIsKnown() {
        assertThat(Secrets.redactUrl("redis.host: not 'rediss://:p w@h': no such host"))
                .isEqualTo("redis.host: not 'rediss://***@h': no such host");
        assertThat(Secrets.redactUrl("url = \"https://bob:p w@collector/x?a=1, https://h2\""))
                .isEqualTo("url = \"https://***@collector/x?a=1, https://h2\"");
        assertThat(Secrets.redactUrl("servers = \"['nats://bob:x y@h1:4222', nats://h2:4222']\""))
                .isEqualTo("servers = \"['nats://***@h1:4222', nats://h2:4222']\"");
        assertThat(Secrets.redactUrl("nats://bob:x y@h1,nats://h2")).isEqualTo("nats://***@h1,nats://h2");
        assertThat(Secrets.redactUrl("rtsp://cam1/x, rtsp://u:p w@cam2/y")).isEqualTo("rtsp://cam1/x, rtsp://***@cam2/y");
        assertThat(Secrets.redactUrl("rediss://:p/q w@h:6380")).isEqualTo("rediss://***@h:6380");
        // a password holding '/', punctuation before its blank, or the other quote
        for (String password : List.of(":p/q w", ":p. w", ":p, w", ":p) w", ":p: w", ":p w\"x")) {
            assertThat(Secrets.redactUrl("not 'rediss://" + password + "@h:6380' reachable")).as(password)
                    .isEqualTo("not 'rediss://***@h:6380' reachable");
        }
        // without a scheme, a quoted server's only ('u:p w' in running text may be a message's words)
        assertThat(Secrets.redactUrl("unbalanced brackets in ['u:p w@h:9092', 'h2:9092'"))
                .isEqualTo("unbalanced brackets in ['***@h:9092', 'h2:9092'");
    }

    /**
     * In running text a URL ends at its first blank: what follows is the message's, not its secret's
     * (MsightLayout masks whole log lines: a time read as user:pass masked the line up to an '@').
     */
    @Test
    void wordsAfterAnUnquotedUrlOrColonInRunningTextAreNotMasked() {
        for (String text : List.of("2026-12-07 17:05:04,913 - edge-07 - msight - INFO :: connected to NATS at ***@nats1:4222",
                "Cannot connect to redis://localhost:6379 from io.lettuce.RedisClient@1b2c3d",
                "GET http://host:8080 returned 500 for user bob@example.org",
                "not rediss://h:6380 reachable: see ops@example.org", "'17:05:04,913 INFO as me@corp'")) {
            assertThat(Secrets.redactUrl(text)).isEqualTo(text);
        }
        // bob@host:22 is taken for a NATS token before a host and port, as before; the words before it are shown
        assertThat(Secrets.redactUrl("user:alice logged in from bob@host:22")).isEqualTo("user:alice logged in from ***@host:22");
        assertThat(Secrets.redactUrl("Upload to http://h/u?token=T failed for frame #12"))
                .isEqualTo("Upload to http://h/u?token=*** failed for frame #12");
        assertThat(Secrets.redactUrl("Upload to http://h/u?token=T failed: 500 & retrying"))
                .isEqualTo("Upload to http://h/u?token=*** failed: 500 & retrying");
        assertThat(Secrets.redactUrl("node 'up': http://h/u?token=T doesn't answer"))
                .isEqualTo("node 'up': http://h/u?token=*** doesn't answer");
    }

    /** Words after an URL that only look like user info are left as they are. */
    @Test
    void wordsAfterAUrlAreNotTakenForItsPassword() {
        for (String text : List.of("'http://host/x' by me@corp", "servers: h1:9092 and mail bob@corp",
                "at 10:30 sent to bob@corp", "status:ok for bob@corp", "\"http://host:80\" by me@corp", "x http://host:80\nme@corp")) {
            assertThat(Secrets.redactUrl(text)).isEqualTo(text);
        }
    }

    @Test
    void aServerWithoutASchemeIsMaskedAsAUrl() {
        assertThat(Secrets.redactUrl("servers = \"['msight:s3cret-pw@127.0.0.1:4222', 'h2:4222']\""))
                .isEqualTo("servers = \"['***@127.0.0.1:4222', 'h2:4222']\"");
        assertThat(Secrets.redactUrl("msight:s3cret-pw@127.0.0.1:4222")).isEqualTo("***@127.0.0.1:4222");
    }

    /** jnats takes a token as user info without a scheme; an address without a port is not a server's. */
    @Test
    void aTokenWrittenWithoutASchemeIsMaskedBeforeAHostAndPort() {
        assertThat(Secrets.redactUrl("s3cret@nats1:4222")).isEqualTo("***@nats1:4222");
        assertThat(Secrets.redactUrl("servers ['s3cret@nats1:4222', 'h2:4222']")).isEqualTo("servers ['***@nats1:4222', 'h2:4222']");
        assertThat(Secrets.redactUrl("cannot reach s3cret@[::1]:4222: refused")).isEqualTo("cannot reach ***@[::1]:4222: refused");
        assertThat(Secrets.redactUrl("mail bob@example.com: sent")).isEqualTo("mail bob@example.com: sent");
    }

    @Test
    void aPasswordHoldingASchemeSeparatorIsMaskedWhole() {
        assertThat(Secrets.redactUrl("rtsp://admin:ab://cd@cam/live")).isEqualTo("rtsp://***@cam/live");
        // a password holding '/', ',' or '@' before its '://' is masked whole too
        assertThat(Secrets.redactUrl("redis://u:p/a://b@host:6379")).isEqualTo("redis://***@host:6379");
        assertThat(Secrets.redactUrl("redis://u:p,a://x@host")).isEqualTo("redis://***@host");
        assertThat(Secrets.redactUrl("redis://u:p@a://b@host")).isEqualTo("redis://***@host");
        // a list of URLs written together has each masked on its own, its hosts shown
        assertThat(Secrets.redactUrl("nats://a:p@h1:4222,nats://b:q@h2:4222"))
                .isEqualTo("nats://***@h1:4222,nats://***@h2:4222");
    }

    @Test
    void urlsWrittenTogetherAreMaskedEachOnItsOwn() {
        assertThat(Secrets.redactUrl("x nats://h1:4222,nats://u:p@h2:4222")).isEqualTo("x nats://h1:4222,nats://***@h2:4222");
        assertThat(Secrets.redactUrl("x nats://a:p@h1:4222,nats://b:q@h2:4222"))
                .isEqualTo("x nats://***@h1:4222,nats://***@h2:4222");
    }

    @Test
    void aTokenOfManyUrlsHasTheUserInfoOfEachMasked() {
        String many = "x " + "a://".repeat(1000) + "u:p@h";
        assertThat(Secrets.redactUrl(many)).isEqualTo("x " + "a://".repeat(1000) + "***@h");
    }

    @Test
    void anAtSignAfterTheHostIsMaskedWithIt() {
        assertThat(Secrets.redactUrl("http://host/users/me@example.org")).isEqualTo("http://***@example.org");
        assertThat(Secrets.redactUrl("get http://host?mail=me@example.org")).isEqualTo("get http://***@example.org");
    }

    /** Upload services take tokens in the query, and some cameras the password in the path. */
    @Test
    void theValuesOfParametersNamedAsSecretsAreMasked() {
        assertThat(Secrets.redactUrl("Sending data to http://***@h:1/frames?api_key=QUERYSECRET123&cam=3... waiting"))
                .isEqualTo("Sending data to http://***@h:1/frames?api_key=***&cam=3... waiting");
        assertThat(Secrets.redactUrl("https://h/up?cam=3&access_token=abc.def&Signature=x%2Fy"))
                .isEqualTo("https://h/up?cam=3&access_token=***&Signature=***");
        assertThat(Secrets.redactUrl("Reading rtsp://cam/user=admin&password=s3cret&channel=1&stream=0.sdp (h264)"))
                .isEqualTo("Reading rtsp://cam/user=admin&password=***&channel=1&stream=0.sdp (h264)");
        assertThat(Secrets.redactUrl("'http://h/x?PWD=a b'")).isEqualTo("'http://h/x?PWD=***'");
        assertThat(Secrets.redactUrl("rtsp://cam/live?channel=1&subtype=0"))
                .isEqualTo("rtsp://cam/live?channel=1&subtype=0");
        assertThat(Secrets.redactUrl("rtsp://10.0.0.9/user=admin_password=XXX_channel=1_stream=0.sdp"))
                .isEqualTo("rtsp://10.0.0.9/user=admin_password=***");
        assertThat(Secrets.redactUrl("http://h/x?pw=a&apiKey=b&X-Amz-Credential=c#access_token=d"))
                .isEqualTo("http://h/x?pw=***&apiKey=***&X-Amz-Credential=***#access_token=***");
        assertThat(Secrets.redactUrl("...PlainLoginModule required username=\"u\" password=\"p w\";"))
                .isEqualTo("...PlainLoginModule required username=\"u\" password=\"***\";");
        // a JAAS value escapes its quotes: the first one does not end it (--check showed properties = "..." so)
        assertThat(Secrets.redactUrl("sasl.jaas.config=...PlainLoginModule required password=\"pa\\\"ss-tail\\\\\";"))
                .isEqualTo("sasl.jaas.config=...PlainLoginModule required password=\"***\";");
        // JAAS takes blanks around '=' (--check showed properties = "... password = \"p\";" so, unmasked)
        assertThat(Secrets.redactUrl("...PlainLoginModule required username = \"u\" password = \"p w\"; token\t=\tt1"))
                .isEqualTo("...PlainLoginModule required username = \"u\" password = \"***\"; token\t=\t***");
        // and line breaks, as they are or as LogSafe escapes them (a JAAS value on lines of its own)
        assertThat(Secrets.redactUrl("required password =\n  \"p w\"; token\r\n= t1"))
                .isEqualTo("required password =\n  \"***\"; token\r\n= ***");
        assertThat(Secrets.redactUrl(LogSafe.text("required password =\n  \"p w\"; token\r\n= t1")))
                .isEqualTo("required password =\\n  \"***\"; token\\r\\n= ***");
        assertThat(Secrets.redactUrl("password=\\topsecret token = \\n t1")).isEqualTo("password=*** token = ***");
    }

    /** Where the extent of its URL is known: up to the URL's next parameter, its quote, its end or the next URL. */
    @Test
    void aQueryValueHoldingABlankIsMaskedWhole() {
        assertThat(Secrets.redactUrl("http://h/x?password=p w")).isEqualTo("http://h/x?password=***");
        assertThat(Secrets.redactUrl("http://h/x?password=p w&cam=1")).isEqualTo("http://h/x?password=***&cam=1");
        assertThat(Secrets.redactUrl("redis.host: not 'rediss://h/?password=p w'")).isEqualTo("redis.host: not 'rediss://h/?password=***'");
        assertThat(Secrets.redactUrl("https://h/x?api_key=a b c, https://h2/")).isEqualTo("https://h/x?api_key=***, https://h2/");
        // an unquoted URL in a message: what follows the blank is the message's
        assertThat(Secrets.redactUrl("Reading http://h/x?api_key=k (h264)")).isEqualTo("Reading http://h/x?api_key=*** (h264)");
    }

    /** A message made from a URL masked already (a camera's, an uploader's) keeps its reason, masked again. */
    @Test
    void aMessageThatStartsWithAUrlMaskedAlreadyKeepsItsWords() {
        for (String message : new String[] {
            "rtsp://cam/live?password=*** has no video stream, only audio or data: check the url",
            "http://h/u?api_key=*** answered 500 Internal Server Error; retrying in 2 s"}) {
            assertThat(Secrets.redactUrl(message)).isEqualTo(message);
            assertThat(LogSafe.text(message)).isEqualTo(message);
        }
    }

    /** Cheap IP cameras take the password as loginpas= (P2P cameras' videostream.cgi) or psw=. */
    @Test
    void camerasPasswordParametersAreMasked() {
        assertThat(Secrets.redactUrl("http://cam/videostream.cgi?loginuse=admin&loginpas=12345&resolution=32"))
                .isEqualTo("http://cam/videostream.cgi?loginuse=admin&loginpas=***&resolution=32");
        assertThat(Secrets.redactUrl("http://cam/snapshot.cgi?usr=admin&psw=12345")).isEqualTo("http://cam/snapshot.cgi?usr=admin&psw=***");
    }

    /** Names that only look like secrets' keep their values: what the operator needs to see. */
    @Test
    void parametersNotNamedAsSecretsAreLeftAlone() {
        for (String text : List.of("https://h/in?x=1&partition_key=cam-7", "rtsp://cam/media.amp?videokeyframeinterval=32",
                "[Consumer clientId=msight-edge-0, groupId=up_group] session.timeout.ms=30000",
                "keyframe=1 designation=north author=lab", "a=b=c==d", "fix gpsweek=2210")) {
            assertThat(Secrets.redactUrl(text)).isEqualTo(text);
        }
    }

    /** Read in one pass: long runs of would-be names are read once each, not once per name (the first masker took 23 s). */
    @Test
    @Timeout(10)
    void longRunsOfSecretLookingNamesAreReadInLinearTime() {
        String names = "/" + "key".repeat(100_000) + "x=v";
        assertThat(Secrets.redactUrl(names).equals(names)).as("a name that only holds 'key'").isTrue();
        String passwords = "/" + "password".repeat(100_000) + "=v";
        assertThat(Secrets.redactUrl(passwords).endsWith("=***")).isTrue();
        String keys = "a_key=".repeat(100_000);
        assertThat(Secrets.redactUrl(keys).equals(keys)).isTrue();
        String digits = "?" + "1".repeat(200_000) + "x=1";
        assertThat(Secrets.redactUrl(digits).equals(digits)).isTrue();
        assertThat(Secrets.redactUrl("?token=t&".repeat(50_000)).equals("?token=***&".repeat(50_000))).isTrue();
        String blanks = "x " + "?token=t ".repeat(50_000) + "'";
        assertThat(Secrets.redactUrl(blanks).equals(blanks.replace("=t", "=***"))).isTrue();
        String colons = "a:b ".repeat(100_000) + "@";
        assertThat(Secrets.redactUrl(colons).equals(colons)).isTrue();
        // user info and query values a blank interrupts, in a setting's value or quoted: each extent read once
        Map<String, String> tails = Map.of("x://a:b ", "x://***@h:1'", "'x://a:b ", "'x://***@h:1'",
                "\"'a:b ", "\"'***@h:1'", "'a:b \"a:b ", "'***@h:1'", "'x://h?token=t ", "'x://h?token=***'",
                "x://h?token=t ", "x://h?token=***");
        tails.forEach((run, tail) -> assertThat(Secrets.redactUrl(run.repeat(50_000) + "@h:1'")).as(run).endsWith(tail));
    }

    /** Names the first masker (a regex of parts) hid: none may show now. */
    @Test
    void everyNameOfASecretTheFirstMaskerHidIsStillMasked() {
        for (String name : List.of("passphrase", "stream_key", "streamKey", "key", "session_id", "sessionId",
                "JSESSIONID", "password2", "pass1", "api_key2", "adminpwd", "userpass", "passcode", "passkey",
                "authkey", "secretid", "tokens", "oauth_signature", "sig", "auth")) {
            assertThat(Secrets.redactUrl("srt://h:9000?mode=caller&" + name + "=S3CR3T&x=1")).as(name)
                    .isEqualTo("srt://h:9000?mode=caller&" + name + "=***&x=1");
        }
        assertThat(Secrets.redactUrl("pw='abc")).isEqualTo("pw='***");
        assertThat(Secrets.redactUrl("Authorization=Bearer xyz more")).isEqualTo("Authorization=*** more");
    }

    @Test
    void textWithoutUserInfoIsUnchanged() {
        assertThat(Secrets.redactUrl("rtsp://127.0.0.1:8554/live.stream")).isEqualTo("rtsp://127.0.0.1:8554/live.stream");
        assertThat(Secrets.redactUrl("rtsp://127.0.0.1:8554/live.stream: Connection refused"))
                .isEqualTo("rtsp://127.0.0.1:8554/live.stream: Connection refused");
        assertThat(Secrets.redactUrl("mail me@example.org")).isEqualTo("mail me@example.org");
        assertThat(Secrets.redactUrl("'http://host/x' by me@corp")).isEqualTo("'http://host/x' by me@corp");
        assertThat(Secrets.redactUrl(null)).isNull();
    }
}
