package org.msight.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.junit.jupiter.api.Test;

class DescribeTest {

    /** A plugin class whose static initializer throws, as one loading a native library that is not there. */
    static final class BrokenStatics {
        static final String LIBRARY = load();

        private static String load() {
            throw new IllegalStateException("no libcamera.so on this machine");
        }
    }

    /** ExceptionInInitializerError has no message: the line said only its class, not which class or why. */
    @Test
    void aFailedStaticInitializerIsSaidWithItsClassAndWhatItThrew() throws Exception {
        Throwable failed = catchThrowable(() -> Class.forName(BrokenStatics.class.getName()));
        assertThat(failed).isInstanceOf(ExceptionInInitializerError.class);
        assertThat(NodeRunner.describe(failed)).isEqualTo("the static initializer of "
                + BrokenStatics.class.getName() + " failed: no libcamera.so on this machine");
    }
}
