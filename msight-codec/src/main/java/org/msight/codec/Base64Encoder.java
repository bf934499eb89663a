package org.msight.codec;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The encoders of the Base64 text of JSON bodies, fastest first, and the one this JVM uses. */
enum Base64Encoder {
    /** {@link java.util.Base64}'s, where it is HotSpot's intrinsic ({@code UseBASE64Intrinsics}). */
    JDK,
    /**
     * {@link VectorBase64}, where the Vector API is resolved, the CPU has 256-bit vectors and C2
     * compiles; the table until it has {@link VectorBase64#warm warmed up}.
     */
    VECTOR,
    /** {@link Base64Text}'s table. */
    TABLE;

    /** The fastest on this JVM, said once in the log when first asked for. */
    static final Base64Encoder CHOSEN = choose();

    private static final String NO_INTRINSIC = "a table, the JDK's being no CPU intrinsic on this JVM";

    private static Base64Encoder choose() {
        Logger log = LoggerFactory.getLogger(Base64Encoder.class);
        if ("true".equals(vmOption("UseBASE64Intrinsics"))) {
            log.info("Base64 of JSON bodies: the JDK's (a CPU intrinsic on this JVM)");
            return JDK;
        }
        boolean wide;
        try {
            wide = VectorBase64.wide();
        } catch (LinkageError e) { // the module is not resolved
            log.info("Base64 of JSON bodies: {} (x86 without AVX-512); add --add-modules jdk.incubator.vector to"
                    + " MSIGHT_JAVA_OPTS for one about three times as fast on a CPU with AVX2 (Java then warns at"
                    + " start that it uses an incubator module), or run a newer Java (JAVA_HOME: Java 25's own is an"
                    + " AVX2 intrinsic)", NO_INTRINSIC);
            return TABLE;
        }
        if (!wide) {
            log.info("Base64 of JSON bodies: {} and the CPU having no 256-bit vectors for the Vector API's",
                    NO_INTRINSIC);
            return TABLE;
        }
        // C1 and the interpreter run the Vector API as plain Java, many times slower than the table
        if (ManagementFactory.getCompilationMXBean() == null || !"4".equals(vmOption("TieredStopAtLevel"))) {
            log.info("Base64 of JSON bodies: {} and C2 not compiling (-Xint, or TieredStopAtLevel below 4), without"
                    + " which the Vector API's is slower", NO_INTRINSIC);
            return TABLE;
        }
        try {
            VectorBase64.warmUp();
        } catch (OutOfMemoryError e) { // no thread for it (a limit on the process's threads)
            log.info("Base64 of JSON bodies: {}; no thread could be started to warm the Vector API's up: {}",
                    NO_INTRINSIC, e.getMessage());
            return TABLE;
        }
        log.info("Base64 of JSON bodies: the Vector API's (jdk.incubator.vector, 256-bit vectors), once warmed up"
                + " (about a second of CPU, on a thread of its own); a table until then");
        return VECTOR;
    }

    /** A HotSpot option's value; {@code null} on a JVM that has no such option, or without jdk.management. */
    private static String vmOption(String name) {
        try {
            HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return hotSpot == null ? null : hotSpot.getVMOption(name).getValue();
        } catch (IllegalArgumentException | LinkageError e) {
            return null;
        }
    }
}
