package org.msight.bench.decode;

/**
 * What one run did and cost.
 *
 * @param decoded frames decoded
 * @param published frames encoded to JPEG (0 for decode-only runs)
 * @param cpuMillis CPU time of the process, all threads
 * @param wallMillis elapsed time
 * @param jpegBytes mean JPEG size
 */
record Result(long decoded, long published, double cpuMillis, double wallMillis, long jpegBytes) {

    double framesPerSecond() {
        return decoded / (wallMillis / 1000);
    }

    double cpuPerDecoded() {
        return cpuMillis / decoded;
    }

    double cpuPerPublished() {
        return published == 0 ? Double.NaN : cpuMillis / published;
    }
}
