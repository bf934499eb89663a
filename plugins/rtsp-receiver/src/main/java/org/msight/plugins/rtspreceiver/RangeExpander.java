package org.msight.plugins.rtspreceiver;

import static org.bytedeco.ffmpeg.global.avfilter.AV_BUFFERSRC_FLAG_KEEP_REF;
import static org.bytedeco.ffmpeg.global.avfilter.AV_BUFFERSRC_FLAG_NO_CHECK_FORMAT;
import static org.bytedeco.ffmpeg.global.avfilter.av_buffersink_get_frame;
import static org.bytedeco.ffmpeg.global.avfilter.av_buffersrc_add_frame_flags;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_get_by_name;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_alloc;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_config;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_create_filter;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_free;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_link;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.msight.plugins.rtspreceiver.FfmpegErrors.check;

import org.bytedeco.ffmpeg.avfilter.AVFilterContext;
import org.bytedeco.ffmpeg.avfilter.AVFilterGraph;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacpp.Pointer;

/**
 * Expands limited-range (TV, 16-235) YUV 4:2:0 to full range (0-255), the levels a JPEG viewer
 * expects, with FFmpeg's colorspace filter: same size, same matrix, range only, which its SIMD
 * YUV-to-YUV path does in about a third of the CPU time swscale takes for the same conversion.
 * One filter graph, run on the calling thread, serves every frame of one size.
 */
final class RangeExpander implements AutoCloseable {

    /** BT.709 in and out: only the range changes, so the matrix named does not matter. */
    private static final String RANGE_ONLY = "iall=bt709:all=bt709:irange=tv:range=pc";

    private final AVFilterGraph graph = avfilter_graph_alloc();
    // Filled in by avfilter_graph_create_filter; the graph owns the contexts.
    private final AVFilterContext source = new AVFilterContext((Pointer) null);
    private final AVFilterContext sink = new AVFilterContext((Pointer) null);
    private final AVFrame expanded = av_frame_alloc();

    /**
     * A graph for yuv420p frames of this size.
     *
     * @throws IllegalStateException when the filter refuses the size (it takes even sizes only:
     *     see {@link #takes})
     */
    RangeExpander(int width, int height) {
        graph.nb_threads(1);
        AVFilterContext colorspace = new AVFilterContext((Pointer) null);
        try {
            check(avfilter_graph_create_filter(source, avfilter_get_by_name("buffer"), "in",
                    "video_size=" + width + "x" + height + ":pix_fmt=" + AV_PIX_FMT_YUV420P
                            + ":time_base=1/30:pixel_aspect=1/1", null, graph), "creating the frame source");
            check(avfilter_graph_create_filter(colorspace, avfilter_get_by_name("colorspace"), "range", RANGE_ONLY,
                    null, graph), "creating the colorspace filter");
            check(avfilter_graph_create_filter(sink, avfilter_get_by_name("buffersink"), "out", null, null, graph),
                    "creating the frame sink");
            check(avfilter_link(source, 0, colorspace, 0), "linking the frame source");
            check(avfilter_link(colorspace, 0, sink, 0), "linking the frame sink");
            check(avfilter_graph_config(graph, (Pointer) null), "configuring the range filter graph");
        } catch (IllegalStateException e) {
            close();
            throw e;
        }
    }

    /** Whether the colorspace filter takes frames of this size: it refuses odd widths and heights. */
    static boolean takes(int width, int height) {
        return width % 2 == 0 && height % 2 == 0;
    }

    /**
     * The full-range copy of {@code frame}, which is left as it is; valid until the next call.
     * {@code frame} must have the size this expander was made for; its colour tags are ignored.
     */
    AVFrame expand(AVFrame frame) {
        av_frame_unref(expanded);
        // Without NO_CHECK_FORMAT the source would log each frame whose tags differ from its own.
        check(av_buffersrc_add_frame_flags(source, frame, AV_BUFFERSRC_FLAG_KEEP_REF | AV_BUFFERSRC_FLAG_NO_CHECK_FORMAT),
                "sending a frame to the range filter");
        check(av_buffersink_get_frame(sink, expanded), "receiving a frame from the range filter");
        return expanded;
    }

    @Override
    public void close() {
        av_frame_free(expanded);
        avfilter_graph_free(graph);
    }
}
