"""RTSP server of pre-encoded H.264 for the benchmarks: no encoding, so it barely uses the CPU.

Usage: /usr/bin/python3 rtsp_file_server.py PORT FILE.mp4 COUNT
Serves FILE (H.264 in MP4) in real time at rtsp://127.0.0.1:PORT/cam0 ... /cam<COUNT-1>, each
mount its own pipeline (demux and packetize only), so every camera is a separate stream as real
cameras are. Each client connection plays FILE once from its start: make it longer than a run (a stream that ends is an outage for the receiver).
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main():
    port, path, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    for camera in range(count):
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(
            "( filesrc location=%s ! qtdemux ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )"
            % path)
        factory.set_shared(True)
        server.get_mount_points().add_factory("/cam%d" % camera, factory)
    if server.attach(None) == 0:
        sys.exit("cannot listen on 127.0.0.1:" + port)
    print("serving rtsp://127.0.0.1:%s/cam0 to /cam%d" % (port, count - 1), flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
