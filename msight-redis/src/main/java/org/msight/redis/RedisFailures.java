package org.msight.redis;

import java.net.SocketTimeoutException;
import java.security.cert.CertificateException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.msight.api.IoFailures;
import org.msight.api.LogSafe;
import org.msight.api.PemTls;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.exceptions.JedisBroadcastException;
import redis.clients.jedis.exceptions.JedisDataException;

/** One-line descriptions of Redis failures, for logs and users; never with the password. */
public final class RedisFailures {

    /** Redis 6 and 7 words, such as {@code NOPERM User camera has no permissions to run the 'eval' command}. */
    private static final Pattern SCRIPTS_REFUSED = Pattern.compile(
            "(?is)(NOPERM .*'eval'|ERR unknown command ['`]eval['`]).*");

    private RedisFailures() {
    }

    /** Whether Redis refused the credentials (or their absence): retrying will not help. */
    public static boolean isCredentialProblem(Throwable failure) {
        String message = message(failure);
        return message.startsWith("NOAUTH") || message.startsWith("WRONGPASS") || message.startsWith("NOPERM")
                || message.contains("without any password configured");
    }

    /**
     * Whether Redis refused a command because it cannot save to its disk ({@code MISCONF}: full or
     * gone, with {@code stop-writes-on-bgsave-error}, the default): it refuses writes and PING, and
     * still carries pub/sub.
     */
    public static boolean cannotSave(Throwable failure) {
        return message(failure).startsWith("MISCONF");
    }

    /**
     * Whether Redis refused a command for want of its data: while it loads its dataset after a
     * start ({@code LOADING}), or as a replica cut off from its master with
     * {@code replica-serve-stale-data no} ({@code MASTERDOWN}). It refuses PING and keys
     * meanwhile, and carries pub/sub.
     */
    static boolean lacksItsData(Throwable failure) {
        String message = message(failure);
        return message.startsWith("LOADING") || message.startsWith("MASTERDOWN");
    }

    /** Whether Redis refused a command that the user's ACL does not allow ({@code NOPERM}): it took the credentials. */
    static boolean notPermitted(Throwable failure) {
        return message(failure).startsWith("NOPERM");
    }

    /**
     * Whether Redis refused to run a script: the user's ACL does not allow {@code EVAL}
     * ({@code NOPERM}), or the command is unknown (renamed or disabled).
     */
    public static boolean refusesScripts(Throwable failure) {
        return SCRIPTS_REFUSED.matcher(message(failure)).matches();
    }

    /**
     * Whether Redis refused AUTH with a user name for its number of arguments: a Redis older than 6,
     * without ACL users, which takes the password alone (for a cluster, as its first seed node that
     * failed said).
     */
    static boolean wantsPasswordAlone(Throwable failure) {
        return Stream.concat(Stream.of(failure), Arrays.stream(failure.getSuppressed()))
                .anyMatch(e -> "ERR wrong number of arguments for 'auth' command".equals(e.getMessage()));
    }

    /** The failure's message; in a cluster, a node's. */
    private static String message(Throwable failure) {
        return String.valueOf(nodeFailure(failure).map(Map.Entry::getValue).orElse(failure).getMessage());
    }

    /**
     * Throws {@code failure} as a {@link RedisAccessException} in one line when retrying cannot
     * help: Redis refused the credentials (or their absence), or the TLS files cannot be used. For
     * a start, which such a failure stops; any other failure returns, to be retried.
     */
    public static void throwIfRefused(RedisSettings settings, RuntimeException failure) {
        if (failure instanceof RedisAccessException || isCredentialProblem(failure)) {
            throw new RedisAccessException(describe(settings, failure));
        }
    }

    /**
     * What went wrong, for example {@code Redis unreachable at localhost:6379 (Connection refused)},
     * {@code Redis at localhost:6379 requires a password: set msight.redis.password or
     * MSIGHT_REDIS_MESSAGE_BROKER_PASSWORD}, or a TLS failure as {@link IoFailures} words it:
     * {@code Redis at localhost:6379: TLS: the server's certificate is not signed by a CA ...}.
     */
    public static String describe(RedisSettings settings, Throwable failure) {
        if (failure instanceof RedisAccessException described) {
            return described.getMessage();
        }
        // a client's own message may quote what it was given, a URL with its password, and a
        // server's error its own text, which reaches a terminal through msight status
        return LogSafe.whole(nodeFailure(failure)
                .map(node -> describe(node.getKey() + ", a node of the " + settings.address(), settings.tls() != null,
                        node.getValue()))
                .orElseGet(() -> describe(settings.address(), settings.tls() != null, failure)));
    }

    /** A node's failure inside the failure of a command sent to every node of a cluster (a PING at start). */
    private static Optional<Map.Entry<HostAndPort, Throwable>> nodeFailure(Throwable failure) {
        if (failure instanceof JedisBroadcastException broadcast) {
            for (Map.Entry<HostAndPort, Object> reply : broadcast.getReplies().entrySet()) {
                if (reply.getValue() instanceof Throwable nodeFailure) {
                    return Optional.of(Map.entry(reply.getKey(), nodeFailure));
                }
            }
        }
        return Optional.empty();
    }

    /** @param overTls whether the connection is made with TLS */
    private static String describe(String address, boolean overTls, Throwable failure) {
        String message = String.valueOf(failure.getMessage());
        String at = "Redis at " + address;
        if (message.startsWith("NOAUTH")) {
            return at + " requires a password: set msight.redis.password or MSIGHT_REDIS_MESSAGE_BROKER_PASSWORD";
        }
        if (message.startsWith("WRONGPASS")) {
            return at + " rejected the user name or password: check msight.redis.username and msight.redis.password"
                    + " (MSIGHT_REDIS_MESSAGE_BROKER_USERNAME, MSIGHT_REDIS_MESSAGE_BROKER_PASSWORD)";
        }
        if (message.startsWith("NOPERM")) {
            return at + " does not let this user do what MSight needs (PUBLISH, SUBSCRIBE, UNSUBSCRIBE; HGET, HSET,"
                    + " HSETNX, HDEL on MSIGHT*): " + message;
        }
        if (message.contains("without any password configured")) {
            return at + " has no password, but msight.redis.password is set: clear it";
        }
        if (failure instanceof JedisDataException) { // an error reply: Redis is there, and refuses (READONLY, OOM...)
            return at + " refused the command: " + message;
        }
        Optional<SSLException> tls = PemTls.handshakeFailure(failure);
        if (tls.isEmpty() && overTls && handshakeTimedOut(failure)) { // frozen, or a Redis without TLS waiting for a command
            return at + " accepted the connection but did not answer the TLS handshake in time ("
                    + IoFailures.rootReason(failure) + "): check that it is up, not frozen, and that it serves TLS on"
                    + " that port (a Redis without TLS waits for a command instead; msight.redis.tls.enabled)";
        }
        if (tls.isEmpty()) {
            return "Redis unreachable at " + address + " (" + IoFailures.rootReason(failure) + ")";
        }
        String tlsFailure = at + ": " + IoFailures.reason(tls.get());
        // The JDK's hostname check, the cause of its handshake failure: "No subject alternative
        // names matching IP address ... found", "No subject alternative names present", "No name
        // matching ... found".
        String check = tls.get().getCause() instanceof CertificateException names
                ? String.valueOf(names.getMessage()) : "";
        if (check.contains("subject alternative") || check.startsWith("No name matching")) {
            return tlsFailure + "; in a cluster, every node's certificate must name the node as CLUSTER SLOTS gives"
                    + " it (nodes can give host names: cluster-announce-hostname, cluster-preferred-endpoint-type"
                    + " hostname); or set msight.redis.tls.verify-hostname = false";
        }
        return tlsFailure;
    }

    /**
     * Whether a read timed out in the TLS handshake ({@link SSLSocket#startHandshake}, which the
     * first command's write starts), not in a command's reply after it: a Redis with TLS stalled
     * by a long command or a save is no TLS matter.
     */
    private static boolean handshakeTimedOut(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SocketTimeoutException && Arrays.stream(cause.getStackTrace())
                    .anyMatch(frame -> frame.getMethodName().equals("startHandshake"))) {
                return true;
            }
        }
        return false;
    }
}
