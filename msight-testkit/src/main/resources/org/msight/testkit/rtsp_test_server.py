"""GStreamer RTSP server for tests: H.264 1280x720 30 fps test pattern at /live.stream.

Usage: /usr/bin/python3 rtsp_test_server.py PORT [USER:PASSWORD] [--framerate=N/D] [--tcp-only] [--forbidden]
(binds 127.0.0.1:PORT; runs until killed; with USER:PASSWORD, serves only clients that give them;
--framerate=1/3 sends a frame every 3 s, each a keyframe when slower than one a second;
--tcp-only answers 461 Unsupported transport to a client that asks for UDP, as some cameras do;
--forbidden answers 403 Forbidden to a DESCRIBE that gives USER:PASSWORD (without them, to every DESCRIBE),
as a camera does to a user without the right to see the stream; a wrong or missing password still gets 401)
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

LAUNCH = (
    "( videotestsrc is-live=true pattern=ball"
    " ! video/x-raw,width=1280,height=720,framerate={framerate}"
    " ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={keyframes}"
    " ! rtph264pay name=pay0 pt=96 )"
)


def require_credentials(server, factory, user, password):
    """Answers 401 Unauthorized to a client that does not give this user and password (Basic)."""
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", "viewer")
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    server.set_auth(auth)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_permission_for_role("viewer", "media.factory.access", True)
    permissions.add_permission_for_role("viewer", "media.factory.construct", True)
    factory.set_permissions(permissions)


def forbid(server, credentials):
    """Answers 403 Forbidden to a DESCRIBE that gives credentials' USER:PASSWORD (Basic); without credentials, to one that gives none.

    GStreamer's own permissions answer 404 (no media.factory.access) or 401 (no construct) to a
    user who logged in, never 403: its pre-describe-request hook answers before them.
    """
    allowed = "Basic " + GstRtspServer.RTSPAuth.make_basic(*credentials[0].split(":", 1)) if credentials else None

    def check(_client, context):
        _, authorization = context.request.get_header(GstRtsp.RTSPHeaderField.AUTHORIZATION, 0)
        return GstRtsp.RTSPStatusCode.FORBIDDEN if authorization == allowed else GstRtsp.RTSPStatusCode.OK

    server.connect("client-connected", lambda _server, client: client.connect("pre-describe-request", check))


def main():
    options = [arg for arg in sys.argv[1:] if arg.startswith("--")]
    port, *credentials = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    framerate = next((o.split("=", 1)[1] for o in options if o.startswith("--framerate=")), "30/1")
    numerator, denominator = (int(part) for part in framerate.split("/"))
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(LAUNCH.format(framerate=framerate, keyframes=max(1, numerator // denominator)))
    factory.set_shared(True)
    if "--tcp-only" in options:
        factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
    if credentials:
        require_credentials(server, factory, *credentials[0].split(":", 1))
    if "--forbidden" in options:
        forbid(server, credentials)
    server.get_mount_points().add_factory("/live.stream", factory)
    if server.attach(None) == 0:
        sys.exit("cannot listen on 127.0.0.1:" + port)
    print("serving rtsp://127.0.0.1:%s/live.stream" % port, flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
