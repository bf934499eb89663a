"""GStreamer RTSP server for tests: H.264 1280x720 30 fps test pattern at /live.stream.

Usage: /usr/bin/python3 rtsp_test_server.py PORT  (binds 127.0.0.1:PORT; runs until killed)
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

LAUNCH = (
    "( videotestsrc is-live=true pattern=ball"
    " ! video/x-raw,width=1280,height=720,framerate=30/1"
    " ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30"
    " ! rtph264pay name=pay0 pt=96 )"
)


def main():
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(sys.argv[1])
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(LAUNCH)
    factory.set_shared(True)
    server.get_mount_points().add_factory("/live.stream", factory)
    if server.attach(None) == 0:
        sys.exit("cannot listen on 127.0.0.1:" + sys.argv[1])
    print("serving rtsp://127.0.0.1:%s/live.stream" % sys.argv[1], flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
