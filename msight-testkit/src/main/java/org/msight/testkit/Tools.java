package org.msight.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the external programs tests need, failing with how to install them when missing. */
public final class Tools {

    private Tools() {
    }

    /**
     * The path of an executable.
     *
     * @param executable an absolute path, or a name looked up on PATH
     * @param debianPackage the package that provides it, named in the failure message
     * @throws IllegalStateException when it is missing, saying how to install it
     */
    public static Path require(String executable, String debianPackage) {
        if (executable.startsWith("/")) {
            Path path = Path.of(executable);
            if (Files.isExecutable(path)) {
                return path;
            }
        } else {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
                Path path = Path.of(dir.isEmpty() ? "." : dir, executable);
                if (Files.isExecutable(path)) {
                    return path;
                }
            }
        }
        throw new IllegalStateException(executable + " is missing: run scripts/install-test-deps.sh"
                + " (or apt-get install " + debianPackage + ")");
    }
}
