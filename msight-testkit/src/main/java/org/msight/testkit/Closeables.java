package org.msight.testkit;

/** Closing what a test started, in its {@code @AfterEach} or {@code @AfterAll}. */
public final class Closeables {

    private Closeables() {
    }

    /**
     * Closes each of {@code resources} in the order given, skipping the nulls: those a failed
     * {@code @BeforeEach} never got to start. All are closed even when one fails; then the first
     * failure is thrown, the others suppressed in it, so a failed setup or teardown leaves no server running.
     */
    public static void closeAll(AutoCloseable... resources) {
        RuntimeException failure = null;
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception e) {
                RuntimeException unchecked = e instanceof RuntimeException runtime ? runtime
                        : new IllegalStateException("cannot close " + resource, e);
                if (failure == null) {
                    failure = unchecked;
                } else {
                    failure.addSuppressed(unchecked);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
