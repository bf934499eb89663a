#!/usr/bin/env python3
"""A stand-in for the HTTP server of MSight's upload tutorial (Python 3's standard library only).

Each POST body is MSight's JSON of one message: the server answers 200 with
{"status_code": "ok", "text": "Server received N bytes, partition key K"} (K from the
X-Partition-Key header) and saves the message's Base64 `image` as
received_images/received_image_N.jpg in the working directory. A GET answers a short text.

Usage: python3 scripts/tutorial_http_server.py [PORT [HOST]]   (default 8080 on 127.0.0.1)
"""
import base64
import binascii
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

FOLDER = Path("received_images")


class UploadHandler(BaseHTTPRequestHandler):
    saved = 0

    def answer(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.answer(200, "text/plain", b"MSight tutorial upload server: POST MSight's JSON here\n")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        key = self.headers.get("X-Partition-Key")
        print(f"Received POST body: {len(body)} bytes, partition key {key}", flush=True)
        try:
            image = json.loads(body).get("image")
            if image:
                self.save(base64.b64decode(image))
        except (ValueError, AttributeError, binascii.Error) as e:
            print(f"Not saved: the body is not MSight's JSON with a Base64 image ({e})", flush=True)
        answer = {"status_code": "ok", "text": f"Server received {len(body)} bytes, partition key {key}"}
        self.answer(200, "application/json", json.dumps(answer).encode())

    @classmethod
    def save(cls, image):
        FOLDER.mkdir(exist_ok=True)
        path = FOLDER / f"received_image_{cls.saved}.jpg"
        path.write_bytes(image)
        cls.saved += 1
        print(f"Image saved as {path}", flush=True)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    server = HTTPServer((host, port), UploadHandler)
    print(f"Serving on http://{host}:{port}/, saving images in {FOLDER.resolve()}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
