package org.msight.plugins.httpuploader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.function.Supplier;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;
import org.msight.api.LogSafe;
import org.slf4j.Logger;

/**
 * HttpClient's TLS made from the {@code tls} block's files, made again for a new connection once
 * any of them has changed (its modification time, size or file), so that a client certificate
 * renewed on disk (step-ca, Vault, cert-manager) is used without a restart. The files are looked
 * at as each connection's handshake starts: a few file attributes beside a handshake's cost, no
 * timer, and no connection made with files older than those on disk, whatever made the last one
 * fail (a server that refuses an expired certificate may only reset the connection). Files that
 * cannot be used (half written) leave the TLS made before in use, said once, until they change again.
 */
final class RenewedTls extends DelegatedTls {

    private final List<Path> files;
    private final Supplier<TlsStrategy> made;
    private final Logger log;
    /** The files as they were when last read, well or not. */
    private List<FileStamp> read;
    private TlsStrategy current;

    /**
     * @param made the TLS of the files as they are now
     * @throws IllegalArgumentException naming the key whose file cannot be used
     */
    RenewedTls(TlsSettings settings, Supplier<TlsStrategy> made, Logger log) {
        this.files = settings.files();
        this.made = made;
        this.log = log;
        this.read = stamps(); // before reading: a change meanwhile is read at the next connection
        this.current = made.get();
    }

    /** A file's modification time, size and identity (its inode); all empty where it cannot be read. */
    private record FileStamp(FileTime modified, long size, Object key) {
    }

    private List<FileStamp> stamps() {
        return files.stream().map(file -> {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileStamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
            } catch (IOException unreadable) {
                return new FileStamp(null, -1, null);
            }
        }).toList();
    }

    /** The TLS of the files as they are, made again where they changed. */
    @Override
    synchronized TlsStrategy tls() {
        List<FileStamp> now = stamps();
        if (!now.equals(read)) {
            read = now;
            try {
                current = made.get();
                log.info("the TLS files changed: new connections use them");
            } catch (RuntimeException unusable) { // never the I/O thread's end
                log.warn("{}; new connections use the TLS files read before until these change again",
                        LogSafe.text(unusable instanceof IllegalArgumentException ? unusable.getMessage()
                                : "tls: " + unusable));
            }
        }
        return current;
    }
}
