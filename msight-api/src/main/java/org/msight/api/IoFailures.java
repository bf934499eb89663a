package org.msight.api;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import javax.net.ssl.SSLException;

/**
 * Why an I/O operation failed, in words for an operator: the JDK says it with the name of an
 * exception's class ({@code AccessDeniedException: /data/spool/lock}, {@code SocketException:
 * Connection reset}), or with a path alone as its message.
 */
public final class IoFailures {

    private IoFailures() {
    }

    /**
     * What went wrong, without the file it concerns: {@code permission denied}, {@code a file is
     * in the way}, {@code no such file or folder}, the system's reason ({@code Read-only file
     * system}, {@code Is a directory}), {@code unknown host db.example}, a TLS failure after
     * {@code TLS: }, else the failure's message ({@code Connection reset}, {@code No space left on
     * device}); without one, {@code the connection or file ended early}, {@code interrupted or timed
     * out}, {@code cannot connect}, or what kind of failure it is. A TLS failure that an operator's
     * setting or a server's causes is a sentence with what to do: a server certificate not signed by
     * a trusted CA, not naming the host connected to, expired or not yet valid by this machine's
     * clock; a server refusing this client's certificate, or its lack of one; a server that does not
     * speak TLS. Any other is the JDK's message without the names of classes in it.
     */
    public static String reason(IOException failure) {
        String message = failure.getMessage();
        if (failure instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (failure instanceof FileAlreadyExistsException) {
            return "a file is in the way";
        }
        if (failure instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (failure instanceof NotDirectoryException) {
            return "not a folder";
        }
        if (failure instanceof DirectoryNotEmptyException) {
            return "the folder is not empty";
        }
        if (failure instanceof FileSystemException system) { // its message is the file's path and the reason
            message = system.getReason();
        } else if (failure instanceof UnknownHostException) { // its message is the host alone
            return "unknown host " + message;
        } else if (failure instanceof EOFException && message == null) {
            return "the connection or file ended early";
        } else if (failure instanceof InterruptedIOException && message == null) {
            return "interrupted or timed out";
        } else if (failure instanceof ConnectException && message == null) { // the JDK's HttpClient: refused, unreachable...
            return "cannot connect";
        } else if (failure instanceof SSLException tls) { // its message may not say it is TLS's
            return "TLS: " + TlsFailures.reason(tls);
        }
        return message != null ? message : "an I/O error (" + failure.getClass().getSimpleName() + ")";
    }

    /**
     * Why a failure happened, from its causes, where a client library (Jedis, Kafka's) wraps the
     * JDK's failure in exceptions of its own whose messages say little ({@code Failed to construct
     * kafka producer}): a TLS failure among them as {@link #reason} words it, else the innermost
     * cause, in words if it is an {@link IOException}, else by its message, else by its class's
     * simple name ({@code DisconnectException}).
     */
    public static String rootReason(Throwable failure) {
        Throwable root = failure;
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SSLException tls) {
                return reason(tls);
            }
            root = cause;
        }
        return root instanceof IOException io ? reason(io)
                : root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }

    /** {@link #reason} after the file it concerns, if the failure names one: {@code /data/spool/lock: permission denied}. */
    public static String describe(IOException failure) {
        String file = failure instanceof FileSystemException system ? system.getFile() : null;
        return (file != null ? file + ": " : "") + reason(failure);
    }
}
