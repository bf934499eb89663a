"""The soak's upload server: reads each body, answers like MSight's tutorial server, and
appends the frame id of every upload to a file (one per line), so lost and doubled frames can
be counted afterwards. Usage: server.py PORT IDS_FILE"""
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FRAME_ID = re.compile(rb'"frame_id": (\d+)')
ids = open(sys.argv[2], "ab", buffering=0)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        match = FRAME_ID.search(body)
        ids.write((match.group(1) if match else b"?") + b"\n")
        answer = b'{"status_code": "ok", "text": "Server received %d bytes"}' % len(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
