package org.msight.plugins.kafkabus;

/**
 * The last resort of a bus thread that nothing would start again (a topic's sender, a
 * subscription's poll loop), for a failure its handling of a failure did not survive: the heap
 * running out again as that made its line. It says so with what was made beforehand, and nothing
 * it throws ends the thread, which goes on after a pause.
 */
final class LastResort {

    private final Runnable tell;

    /** @param tell says the failure with a line made beforehand: in the outage of what failed */
    LastResort(Runnable tell) {
        this.tell = tell;
    }

    /** Says the failure, if it can. */
    void failed() {
        try {
            tell.run();
        } catch (Throwable e) {
            // the heap still full: the thread goes on unsaid
        }
    }
}
