package org.msight.plugins.httpuploader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads PEM certificates and private keys into key stores the JDK's TLS takes. */
final class PemFiles {

    /** The password of the in-memory key stores made here. */
    static final char[] NO_PASSWORD = new char[0];

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");
    /** DER of PKCS#8's algorithm identifier for RSA keys: SEQUENCE { OID 1.2.840.113549.1.1.1, NULL }. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
        (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    private PemFiles() {
    }

    /** The certificates of a PEM file, in order. */
    static List<Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(pem)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("no PEM certificate (-----BEGIN CERTIFICATE-----) in it");
        }
        return new ArrayList<>(certificates);
    }

    /** A trust store holding every certificate of a PEM file. */
    static KeyStore trustStore(Path pem) throws IOException, GeneralSecurityException {
        KeyStore store = emptyStore();
        List<Certificate> certificates = certificates(pem);
        for (int i = 0; i < certificates.size(); i++) {
            store.setCertificateEntry("ca-" + i, certificates.get(i));
        }
        return store;
    }

    /** A key store holding one key and its certificate chain, under {@link #NO_PASSWORD}. */
    static KeyStore keyStore(PrivateKey key, List<Certificate> chain) throws IOException, GeneralSecurityException {
        KeyStore store = emptyStore();
        store.setKeyEntry("client", key, NO_PASSWORD, chain.toArray(Certificate[]::new));
        return store;
    }

    /** The unencrypted private key of a PEM file: PKCS#8 ({@code PRIVATE KEY}) or PKCS#1 ({@code RSA PRIVATE KEY}). */
    static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        Matcher block = BLOCK.matcher(Files.readString(pem, StandardCharsets.US_ASCII));
        while (block.find()) {
            byte[] der = Base64.getMimeDecoder().decode(block.group(2));
            switch (block.group(1)) {
                case "PRIVATE KEY":
                    return pkcs8(der);
                case "RSA PRIVATE KEY":
                    return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
                            sequence(concat(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, tagged(0x04, der)))));
                case "ENCRYPTED PRIVATE KEY":
                    throw new IllegalArgumentException("the key is encrypted; give an unencrypted one"
                            + " (openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-plain.pem)");
                case "EC PRIVATE KEY":
                    throw new IllegalArgumentException("EC keys must be PKCS#8"
                            + " (openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem)");
                default:
                    // Other blocks (EC PARAMETERS, certificates) may share the file.
            }
        }
        throw new IllegalArgumentException("no PEM private key (-----BEGIN PRIVATE KEY-----) in it");
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (InvalidKeySpecException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("the PKCS#8 key is not an RSA, EC or Ed25519 key");
    }

    private static KeyStore emptyStore() throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }

    private static byte[] sequence(byte[] content) {
        return tagged(0x30, content);
    }

    /** A DER element: tag, definite length, content. */
    private static byte[] tagged(int tag, byte[] content) {
        int length = content.length;
        byte[] header;
        if (length < 0x80) {
            header = new byte[] {(byte) tag, (byte) length};
        } else if (length < 0x100) {
            header = new byte[] {(byte) tag, (byte) 0x81, (byte) length};
        } else if (length < 0x10000) {
            header = new byte[] {(byte) tag, (byte) 0x82, (byte) (length >> 8), (byte) length};
        } else {
            header = new byte[] {(byte) tag, (byte) 0x83, (byte) (length >> 16), (byte) (length >> 8), (byte) length};
        }
        return concat(header, content);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int position = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, position, part.length);
            position += part.length;
        }
        return all;
    }
}
