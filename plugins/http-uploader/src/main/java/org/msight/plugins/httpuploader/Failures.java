package org.msight.plugins.httpuploader;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.msight.api.IoFailures;
import org.msight.api.LogSafe;

/** Says in one line, without secrets, why an upload attempt failed and what would fix it; fit to be logged. */
final class Failures {

    private Failures() {
    }

    /**
     * @param certificateRequested whether a server asked for a client certificate the node does not have
     */
    static String describe(IOException failure, UploaderSettings settings, boolean certificateRequested) {
        String message = String.valueOf(failure.getMessage());
        String text;
        if (failure instanceof ConnectTimeoutException) {
            text = "no connection within connect-timeout (" + settings.connectTimeout().toMillis() + " ms): " + message;
        } else if (failure instanceof UnknownHostException) { // LastKnownDnsResolver's: says the host and why
            text = message;
        } else if (failure instanceof ConnectException) {
            text = "cannot connect: " + message;
        } else if (certificateRequested) {
            text = "TLS: the server asks for a client certificate and closed the connection without one ("
                    + message + "); set tls.cert-file and tls.key-file, or tls.key-store";
        } else {
            text = IoFailures.describe(failure); // Connection reset, TLS: ... in words
        }
        return LogSafe.text(text);
    }
}
