package org.msight.redis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.msight.testkit.Tools;

/** A throwaway CA with a server certificate for 127.0.0.1 and a client certificate, made by openssl. */
public final class TestCertificates {

    public final Path ca;
    public final Path serverCert;
    public final Path serverKey;
    public final Path clientCert;
    public final Path clientKey;
    private final Path openssl = Tools.require("openssl", "openssl");
    private final Path dir;

    /** Makes the CA and both certificates in {@code dir}. */
    public TestCertificates(Path dir) throws IOException, InterruptedException {
        this.dir = dir;
        ca = dir.resolve("ca.pem");
        Path caKey = dir.resolve("ca.key");
        run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=msight-test-ca", "-keyout", caKey.toString(), "-out", ca.toString());
        serverKey = dir.resolve("server.key");
        serverCert = sign("server", serverKey, caKey);
        clientKey = dir.resolve("client.key");
        clientCert = sign("client", clientKey, caKey);
    }

    private Path sign(String name, Path key, Path caKey) throws IOException, InterruptedException {
        Path request = dir.resolve(name + ".csr");
        Path certificate = dir.resolve(name + ".pem");
        Path extensions = Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=" + name,
                "-keyout", key.toString(), "-out", request.toString());
        run("x509", "-req", "-in", request.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-days", "2", "-extfile", extensions.toString(), "-out", certificate.toString());
        return certificate;
    }

    private void run(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(openssl.toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }
}
