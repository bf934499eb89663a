package org.msight.plugins.httpuploader;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The response statuses that mean "try again later"; the runtime decides when and how often.
 *
 * @param statuses codes ("503") or classes ("5xx")
 */
record RetryStatuses(List<String> statuses) {

    private static final Pattern CODE = Pattern.compile("[1-5][0-9][0-9]");
    private static final Pattern CLASS = Pattern.compile("[1-5]xx");

    RetryStatuses {
        statuses = List.copyOf(statuses);
    }

    /**
     * Checks the {@code retry-statuses} entries. Of the 4xx codes only 408 (timeout) and 429 (too
     * many requests) may be retried: any other 4xx says the request itself is wrong.
     */
    static RetryStatuses parse(List<String> entries) {
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
        return new RetryStatuses(entries);
    }

    /** Whether a response with this status is tried again. */
    boolean retriesStatus(int status) {
        String code = Integer.toString(status);
        return statuses.stream().anyMatch(entry -> entry.equals(code) || entry.endsWith("xx") && entry.charAt(0) == code.charAt(0));
    }
}
