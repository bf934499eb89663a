package org.msight.runtime.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs a command line in process, as {@code main} would, with its standard output and error captured. */
public final class Commands {

    /** What a command did: its exit code and what it printed. */
    public record Result(int exitCode, String out, String err) {
    }

    private Commands() {
    }

    /** Runs {@code command} ({@link MsightRun} or {@link Msight}) with {@code args}. */
    public static Result run(Object command, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int code = MsightRun.commandLine(command).execute(args);
            return new Result(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
