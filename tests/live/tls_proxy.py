"""A TLS-terminating reverse proxy on loopback, from Python's standard
library only, so that `simsms load` can be tested against an https API:
it forwards each request to a plain-HTTP upstream (`simsms serve`'s API)
and returns the answer.

usage: tls_proxy.py CERT KEY UPSTREAM_HOST:PORT
Prints "listening PORT" once it accepts connections.
"""
import http.client
import http.server
import ssl
import sys

CERT, KEY, UPSTREAM = sys.argv[1], sys.argv[2], sys.argv[3]
FORWARDED = ("Authorization", "Content-Type")


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def forward(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else None
        host, port = UPSTREAM.rsplit(":", 1)
        upstream = http.client.HTTPConnection(host, int(port), timeout=30)
        headers = {k: self.headers[k] for k in FORWARDED if self.headers.get(k)}
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        payload = answer.read()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.getheader("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        upstream.close()

    do_GET = forward
    do_POST = forward

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(CERT, KEY)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(f"listening {server.server_address[1]}", flush=True)
server.serve_forever()
