package org.msight.plugins.httpuploader;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * When and how often a failed upload is tried again.
 *
 * @param retries attempts after the first
 * @param initialBackoff the wait before the first retry; each further wait doubles
 * @param maxBackoff the longest wait
 * @param statuses the retried response statuses: codes ("503") or classes ("5xx")
 */
record RetryPolicy(int retries, Duration initialBackoff, Duration maxBackoff, List<String> statuses) {

    private static final Pattern CODE = Pattern.compile("[1-5][0-9][0-9]");
    private static final Pattern CLASS = Pattern.compile("[1-5]xx");

    RetryPolicy {
        statuses = List.copyOf(statuses);
    }

    /**
     * Checks the {@code retry-statuses} entries. Of the 4xx codes only 408 (timeout) and 429 (too
     * many requests) may be retried: any other 4xx says the request itself is wrong.
     */
    static List<String> parseStatuses(List<String> entries) {
        for (String entry : entries) {
            if (!CODE.matcher(entry).matches() && !CLASS.matcher(entry).matches()) {
                throw new IllegalArgumentException("retry-statuses: '" + entry + "' is neither a status code (503)"
                        + " nor a class (5xx)");
            }
            if (entry.startsWith("4") && !entry.equals("408") && !entry.equals("429")) {
                throw new IllegalArgumentException("retry-statuses: '" + entry + "' cannot be retried: a 4xx status"
                        + " other than 408 and 429 means the request itself is wrong");
            }
        }
        return entries;
    }

    /** Whether a response with this status is tried again. */
    boolean retriesStatus(int status) {
        String code = Integer.toString(status);
        return statuses.stream().anyMatch(entry -> entry.equals(code) || entry.endsWith("xx") && entry.charAt(0) == code.charAt(0));
    }

    /** Whether an upload that failed on its {@code attempt}-th try (from 1) gets another. */
    boolean allowsAnotherAfter(int attempt) {
        return attempt <= retries;
    }

    /** The wait before the retry that follows the {@code attempt}-th try (from 1). */
    Duration backoffAfter(int attempt) {
        Duration wait = initialBackoff;
        for (int i = 1; i < attempt && wait.compareTo(maxBackoff) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(maxBackoff) < 0 ? wait : maxBackoff;
    }
}
