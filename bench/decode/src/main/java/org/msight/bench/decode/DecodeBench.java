package org.msight.bench.decode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Prints, per input: frames per second, CPU milliseconds per published and per decoded frame,
 * JPEG size and luma PSNR against the decoded frame for the rtsp-receiver at gap 0 with each JPEG
 * library (TurboJPEG, the default, and FFmpeg's MJPEG encoder, the fallback), at gap 0 with
 * {@code full-range = false} and at gap 9, next to the ffmpeg CLI doing decode + MJPEG encode
 * (its quality set so its JPEGs are about as large as FFmpeg's encoder's in the receiver; it
 * expands the range too) and decode only, with the ratios the issues target: gap 0 CPU per
 * published frame at most 0.7 of ffmpeg's decode + encode with JPEGs within 5% of the FFmpeg
 * encoder's size, and gap 9 CPU per decoded frame at most 1.2 of ffmpeg's decode only. Each CPU
 * figure is the best of {@value #RUNS} runs, ours and ffmpeg's taking turns.
 *
 * <p>Arguments: decoder thread count, then the H.264 input files.
 */
public final class DecodeBench {

    private static final int RUNS = 5;
    private static final String ROW = "%-10s %-34s %7s %8s %9s %13s %12s %8s %8s  %s%n";

    private DecodeBench() {
    }

    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[0]);
        FfmpegCli ffmpeg = new FfmpegCli(threads);
        Path jpegs = Files.createTempDirectory("decode-bench");
        System.out.printf(Locale.ROOT, "decoder threads: %d, JPEG encoder threads: 1 (ours and ffmpeg's); %d cores%n", threads,
                Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, ROW, "input", "run", "frames", "encoded", "frames/s", "CPU ms/encoded",
                "CPU ms/frame", "JPEG KB", "PSNR dB", "ratio");
        for (int i = 1; i < args.length; i++) {
            Path input = Path.of(args[i]);
            String name = input.getFileName().toString().replace(".mp4", "");
            // Warm-up (natives loaded, frame path compiled by the JIT), the JPEGs for the quality
            // figure, and the FFmpeg encoder's JPEG size for the CLI's quality.
            String turboPsnr = psnr(ffmpeg, input, jpegs, dir -> ReceiverRun.run(input, 0, threads, true, "turbojpeg", dir));
            Result sizing = ReceiverRun.run(input, 0, threads, true, "ffmpeg");
            String ffmpegPsnr = psnr(ffmpeg, input, jpegs, dir -> ReceiverRun.run(input, 0, threads, true, "ffmpeg", dir));
            int quality = ffmpeg.qualityForSize(input, sizing.jpegBytes());
            long cliJpegBytes = ffmpeg.meanJpegBytes(input, quality);
            String cliPsnr = psnr(ffmpeg, input, jpegs, dir -> {
                ffmpeg.writeJpegs(input, quality, dir);
                return null;
            });
            Result[] best = bestOfInterleaved(List.of(
                    () -> ReceiverRun.run(input, 0, threads, true, "turbojpeg"),
                    () -> ReceiverRun.run(input, 0, threads, true, "ffmpeg"),
                    () -> ReceiverRun.run(input, 0, threads, false, "turbojpeg"),
                    () -> ffmpeg.decodeAndEncode(input, quality, sizing.decoded(), cliJpegBytes),
                    () -> ReceiverRun.run(input, 9, threads, true, "turbojpeg"),
                    () -> ffmpeg.decodeOnly(input, sizing.decoded())));
            Result turbo = best[0];
            Result mjpeg = best[1];
            Result cliEncode = best[3];
            Result gap9 = best[4];
            Result cliDecode = best[5];
            print(name, "msight gap 0 (turbojpeg, default)", turbo, turboPsnr, String.format(Locale.ROOT,
                    "%.2f of ffmpeg decode+mjpeg (target <= 0.7); size %.3f of ffmpeg encoder's (target 0.95-1.05)",
                    turbo.cpuPerPublished() / cliEncode.cpuPerPublished(), (double) turbo.jpegBytes() / mjpeg.jpegBytes()));
            print(name, "msight gap 0, jpeg-encoder=ffmpeg", mjpeg, ffmpegPsnr, String.format(Locale.ROOT,
                    "%.2f of ffmpeg decode+mjpeg", mjpeg.cpuPerPublished() / cliEncode.cpuPerPublished()));
            print(name, "msight gap 0, full-range=false", best[2], "-", String.format(Locale.ROOT,
                    "%.2f of ffmpeg decode+mjpeg (no range expansion)", best[2].cpuPerPublished() / cliEncode.cpuPerPublished()));
            print(name, "ffmpeg decode+mjpeg -q:v " + quality, cliEncode, cliPsnr, "");
            print(name, "msight gap 9", gap9, "-", String.format(Locale.ROOT, "%.2f of ffmpeg decode only (target <= 1.2)",
                    gap9.cpuPerDecoded() / cliDecode.cpuPerDecoded()));
            print(name, "ffmpeg decode only", cliDecode, "-", "");
        }
    }

    /** Something that writes the JPEGs of an input's first frames to a directory. */
    private interface JpegWriter {
        Object write(Path directory) throws Exception;
    }

    /** The luma PSNR of the JPEGs {@code writer} makes, in a fresh subdirectory of {@code jpegs}. */
    private static String psnr(FfmpegCli ffmpeg, Path input, Path jpegs, JpegWriter writer) throws Exception {
        Path directory = Files.createTempDirectory(jpegs, "run");
        writer.write(directory);
        return ffmpeg.psnr(input, directory);
    }

    /**
     * For each run, the one of least CPU time out of {@value #RUNS}: the machine may be busy with
     * other work, so the runs take turns, and a busy spell weighs on ours and ffmpeg's alike.
     */
    private static Result[] bestOfInterleaved(List<Callable<Result>> runs) throws Exception {
        Result[] best = new Result[runs.size()];
        for (int round = 0; round < RUNS; round++) {
            for (int i = 0; i < best.length; i++) {
                Result next = runs.get(i).call();
                best[i] = best[i] == null || next.cpuMillis() < best[i].cpuMillis() ? next : best[i];
            }
        }
        return best;
    }

    private static void print(String input, String run, Result result, String psnr, String ratio) {
        System.out.printf(Locale.ROOT, ROW, input, run, result.decoded(), result.published(),
                String.format(Locale.ROOT, "%.0f", result.framesPerSecond()),
                result.published() == 0 ? "-" : String.format(Locale.ROOT, "%.2f", result.cpuPerPublished()),
                String.format(Locale.ROOT, "%.2f", result.cpuPerDecoded()),
                result.jpegBytes() == 0 ? "-" : Long.toString(result.jpegBytes() / 1024), psnr, ratio);
    }
}
