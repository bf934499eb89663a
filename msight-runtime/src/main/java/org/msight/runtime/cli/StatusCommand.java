package org.msight.runtime.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import org.msight.api.IoFailures;
import org.msight.api.LogSafe;
import org.msight.api.PemTls;
import org.msight.runtime.http.PipelineStatus;
import org.msight.runtime.logging.Logging;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code msight-run status}: the nodes of a running msight-run, read from its HTTP endpoint. */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Prints the nodes of a running msight-run (its /nodes endpoint): state, rates, last error.")
final class StatusCommand implements Callable<Integer> {

    /** How long connecting, and then the answer, may take each. */
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** How long the whole answer may take, connecting included. */
    private static final Duration ANSWER_LIMIT = TIMEOUT.multipliedBy(2);

    @Option(names = "--url", defaultValue = "http://127.0.0.1:9464",
            description = "The endpoint of the msight-run to ask (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--token", description = "Bearer token, when msight.http.token is set; default $MSIGHT_HTTP_TOKEN.")
    String token = System.getenv("MSIGHT_HTTP_TOKEN");

    @Option(names = "--json", description = "Print the JSON as served.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        Logging.consoleToStandardError(); // standard output is the status
        String shown = LogSafe.text(url);
        HttpRequest.Builder request;
        try {
            URI endpoint = new URI(url.replaceAll("/+$", "") + "/nodes");
            if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme())
                    || endpoint.getPort() > 65535) { // the JDK's client throws it at send, with a stack trace
                throw new URISyntaxException(url, "not http:// or https://");
            }
            request = HttpRequest.newBuilder(endpoint).timeout(TIMEOUT);
        } catch (URISyntaxException | IllegalArgumentException e) {
            System.err.println("error: --url: not an http:// or https:// URL such as http://127.0.0.1:9464: '" + shown + "'");
            return 2;
        }
        if (token != null && !token.isEmpty()) {
            try {
                request.header("Authorization", "Bearer " + token);
            } catch (IllegalArgumentException e) { // the JDK's message holds the token
                System.err.println("error: --token (or MSIGHT_HTTP_TOKEN) holds a line break or another character"
                        + " a header cannot carry (a line end of a file it was read from?); remove it");
                return 2;
            }
        }
        HttpResponse<String> response;
        try {
            response = send(request.build());
        } catch (TimeoutException e) {
            System.err.println("error: " + shown + " did not send its whole answer within " + ANSWER_LIMIT.toSeconds()
                    + " s: is msight-run there stuck? Ask again, or look at its log");
            return 1;
        } catch (IOException e) {
            Optional<SSLException> tls = PemTls.handshakeFailure(e); // something answers, but not over TLS we take
            System.err.println(tls.isPresent() ? "error: " + shown + ": " + LogSafe.text(IoFailures.reason(tls.get()))
                    : "error: nothing answers at " + shown + " (" + LogSafe.text(failure(e)) + "): is msight-run"
                    + " running, with msight.http enabled on that port? Ask another endpoint with --url");
            return 1;
        }
        if (response.statusCode() != 200) {
            System.err.println("error: " + shown + " answered " + response.statusCode() + ": "
                    + LogSafe.text(response.body()) + (response.statusCode() == 401 ? tokenHint() : ""));
            return 1;
        }
        PipelineStatus status;
        try {
            status = PipelineStatus.JSON.readValue(response.body(), PipelineStatus.class);
        } catch (JsonProcessingException e) {
            System.err.println("error: " + shown + " did not answer with a node status: "
                + LogSafe.text(e.getOriginalMessage()));
            return 1;
        }
        if (status == null || status.nodes() == null || status.nodes().contains(null)) { // JSON, but another service's
            System.err.println("error: " + shown + " did not answer with a node status: its JSON has no list of nodes"
                    + " (is it an msight-run endpoint?)");
            return 1;
        }
        System.out.print(json ? toJson(status) : render(status));
        return 0;
    }

    /**
     * The answer, body included, within {@link #ANSWER_LIMIT}: the request's own timeout ends once
     * the head has come, and an endpoint that stopped in the middle of its body was waited for forever.
     */
    private static HttpResponse<String> send(HttpRequest request)
            throws IOException, InterruptedException, TimeoutException {
        CompletableFuture<HttpResponse<String>> answer = HttpClient.newBuilder().connectTimeout(TIMEOUT).build()
                .sendAsync(request, HttpResponse.BodyHandlers.ofString());
        try {
            return answer.get(ANSWER_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } finally {
            answer.cancel(true);
        }
    }

    /** Why the request failed, in words: the JDK's exceptions say little, or nothing, for themselves. */
    private static String failure(IOException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnresolvedAddressException || cause instanceof UnknownHostException) {
                return "no host is known by that name"; // a ConnectException too, to the JDK's client
            }
        }
        if (e instanceof ConnectException) {
            return "nothing listens on that port";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + TIMEOUT.toSeconds() + " s";
        }
        return e.getMessage() != null ? e.getMessage() : "the connection failed";
    }

    /** What to do about a 401: give the token, or the right one. */
    private String tokenHint() {
        return token == null || token.isEmpty()
                ? "; give msight.http.token with --token or the MSIGHT_HTTP_TOKEN variable"
                : "; the token given (--token or MSIGHT_HTTP_TOKEN) is not msight.http.token";
    }

    static String toJson(PipelineStatus status) {
        try {
            return PipelineStatus.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(status) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String render(PipelineStatus status) {
        // every field as LogSafe makes it: --url may name another box's endpoint
        StringBuilder out = new StringBuilder(status.waiting() != null ? "Waiting: " + LogSafe.text(status.waiting())
                : "Device " + LogSafe.text(status.device())).append("\n");
        List<String> states = status.nodes().stream().map(node -> LogSafe.text(node.since() == null ? node.state()
                : node.state() + " since " + node.since())).toList();
        // as wide as the longest state: "OUTAGE since <timestamp>" is longer than most
        int stateWidth = Math.max(30, states.stream().mapToInt(String::length).max().orElse(0));
        String row = "  %-24s %-16s %-9s %-" + stateWidth + "s %8s %8s  %s%n";
        out.append(String.format(row, "NAME", "TYPE", "KIND", "STATE", "IN/S", "OUT/S", "LAST ERROR"));
        for (int i = 0; i < states.size(); i++) {
            PipelineStatus.Node node = status.nodes().get(i);
            String state = states.get(i);
            out.append(String.format(Locale.ROOT, row, LogSafe.text(node.name()), LogSafe.text(node.type()),
                    LogSafe.text(node.kind()), state, String.format(Locale.ROOT, "%.1f", node.inRate()),
                    String.format(Locale.ROOT, "%.1f", node.outRate()),
                    node.lastError() == null ? "-" : LogSafe.text(node.lastError())));
        }
        if (status.buses() != null && !status.buses().isEmpty()) {
            out.append("Buses: ").append(status.buses().stream().map(bus -> LogSafe.text(bus.name()) + " "
                    + (bus.connected() ? "connected" : "DISCONNECTED" + (bus.outage() == null ? ""
                            : " (" + LogSafe.text(bus.outage()) + ")"))).collect(Collectors.joining(", ")))
                    .append("\n");
        }
        return out.toString();
    }
}
