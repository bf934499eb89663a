package org.msight.plugins.redisbus;

import java.util.Base64;

/** An MSight vector (shared/msight-compat/vectors, also in msight-codec's test resources). */
final class MsightVectors {

    private MsightVectors() {
    }

    /** {@code bytes_data.msgpack}: what Python MSight publishes for one BytesData. */
    static byte[] bytesData() {
        return Base64.getDecoder().decode("h6lkYXRhX3R5cGXZIG1zaWdodF9jb3JlLmRhdGEuYnl0ZXMuQnl0ZXNEYXRhq3NlbnNvcl9uYW1lqmNtZF9zZW5zb3KxY2FwdHVyZV90aW1lc3RhbXDLQdlU/EAgAACyY3JlYXRpb25fdGltZXN0YW1wy0HZVPxAMAAAqGZyYW1lX2lkz2arf7CaC9ABq2RldmljZV9uYW1lp2VkZ2UtMDGkZGF0YcQMTkVYVF9QSEFTRQD/");
    }
}
