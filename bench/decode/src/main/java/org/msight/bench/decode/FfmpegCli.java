package org.msight.bench.decode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The ffmpeg CLI doing the reference work, its CPU time read from its own -benchmark line. */
final class FfmpegCli {

    private static final Pattern BENCH = Pattern.compile("bench: utime=([0-9.]+)s stime=([0-9.]+)s rtime=([0-9.]+)s");

    /** Frames whose JPEGs are compared with the decoded frames for the quality figure. */
    static final int QUALITY_FRAMES = 60;

    private static final Pattern PSNR = Pattern.compile("PSNR y:([0-9.]+) .* average:([0-9.inf]+)");

    private final int threads;

    FfmpegCli(int threads) {
        this.threads = threads;
    }

    /** Decode and MJPEG encode of every frame at {@code -q:v quality}. */
    Result decodeAndEncode(Path input, int quality, long frames, long jpegBytes) throws IOException, InterruptedException {
        return run(input, frames, frames, jpegBytes, "-c:v", "mjpeg", "-q:v", Integer.toString(quality), "-f", "null", "-");
    }

    /** Decode only. */
    Result decodeOnly(Path input, long frames) throws IOException, InterruptedException {
        return run(input, frames, 0, 0, "-f", "null", "-");
    }

    /** The -q:v whose JPEGs of the first 60 frames are closest in size to {@code targetBytes}. */
    int qualityForSize(Path input, long targetBytes) throws IOException, InterruptedException {
        int low = 2;
        int high = 31;
        while (high - low > 1) {
            int middle = (low + high) / 2;
            if (meanJpegBytes(input, middle) > targetBytes) {
                low = middle;
            } else {
                high = middle;
            }
        }
        return Math.abs(meanJpegBytes(input, low) - targetBytes) < Math.abs(meanJpegBytes(input, high) - targetBytes)
                ? low : high;
    }

    /** Mean JPEG size at {@code -q:v quality} over the first 60 frames. */
    long meanJpegBytes(Path input, int quality) throws IOException, InterruptedException {
        List<String> command = command(input, "-frames:v", "60", "-c:v", "mjpeg", "-q:v", Integer.toString(quality),
                "-f", "image2pipe", "-");
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long bytes = process.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        check(process.waitFor(), command);
        return bytes / 60;
    }

    /** Writes the JPEGs of the first {@value #QUALITY_FRAMES} frames at {@code -q:v quality} to {@code directory}. */
    void writeJpegs(Path input, int quality, Path directory) throws IOException, InterruptedException {
        List<String> command = command(input, "-frames:v", Integer.toString(QUALITY_FRAMES), "-c:v", "mjpeg", "-q:v",
                Integer.toString(quality), directory.resolve("%04d.jpg").toString());
        check(new ProcessBuilder(command).inheritIO().start().waitFor(), command);
    }

    /**
     * The luma PSNR in dB of the JPEGs in {@code directory} (0001.jpg on) against the first frames
     * of {@code input} decoded and expanded to full range, as the receiver does by default.
     */
    String psnr(Path input, Path directory) throws IOException, InterruptedException {
        List<String> command = List.of("ffmpeg", "-nostdin", "-i", input.toString(), "-framerate", "30", "-i",
                directory.resolve("%04d.jpg").toString(), "-lavfi",
                "[0:v]scale=in_range=tv:out_range=full,format=yuvj420p[ref];[1:v]format=yuvj420p[jpeg];[jpeg][ref]psnr",
                "-frames:v", Integer.toString(QUALITY_FRAMES), "-f", "null", "-");
        return logLine(command, PSNR).group(1);
    }

    private Result run(Path input, long frames, long published, long jpegBytes, String... output)
            throws IOException, InterruptedException {
        // -benchmark prints its line at the info log level.
        List<String> command = command(input, output);
        command.set(command.indexOf("error"), "info");
        command.add(1, "-benchmark");
        Matcher bench = logLine(command, BENCH);
        double cpu = (Double.parseDouble(bench.group(1)) + Double.parseDouble(bench.group(2))) * 1000;
        return new Result(frames, published, cpu, Double.parseDouble(bench.group(3)) * 1000, jpegBytes);
    }

    /** Runs ffmpeg and finds {@code line} in what it printed. */
    private static Matcher logLine(List<String> command, Pattern line) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        check(process.waitFor(), command);
        Matcher found = line.matcher(log);
        if (!found.find()) {
            throw new IllegalStateException("no line like '" + line + "' from ffmpeg: " + log);
        }
        return found;
    }

    private List<String> command(Path input, String... output) {
        // Decoder threads as ours; one encoder thread as ours (slice threads would cost the
        // optimal Huffman tables).
        List<String> command = new ArrayList<>(List.of("ffmpeg", "-v", "error", "-nostdin",
                "-threads", Integer.toString(threads), "-i", input.toString(), "-an", "-threads", "1"));
        command.addAll(List.of(output));
        return command;
    }

    private static void check(int exitCode, List<String> command) {
        if (exitCode != 0) {
            throw new IllegalStateException("ffmpeg exited with " + exitCode + ": " + String.join(" ", command));
        }
    }
}
