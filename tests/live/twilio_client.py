"""Drives the Twilio-shaped API of `simsms serve` with the official twilio
library: creates messages with a StatusCallback, receives the callbacks on
a local HTTP server, checks each with the library's RequestValidator, and
fetches the messages back.

Usage: twilio_client.py BASE_URL ACCOUNT_SID AUTH_TOKEN COUNT
Prints a JSON tally; exits non-zero when something does not hold.
"""
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from twilio.request_validator import RequestValidator
from twilio.rest import Client

FINAL = {"delivered", "undelivered", "failed"}


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def main(base_url, sid, token, count):
    received = []
    lock = threading.Lock()

    class Callbacks(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            params = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            with lock:
                received.append((self.path, params, self.headers.get("X-Twilio-Signature")))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Callbacks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    callback = "http://127.0.0.1:%d/status" % server.server_address[1]

    client = Client(sid, token)
    client.api.base_url = base_url
    sids = []
    for i in range(count):
        m = client.messages.create(
            to="+8190%08d" % i, from_="+15005550006", body="Your code is 123456", status_callback=callback
        )
        if m.status not in ("queued", "failed"):
            fail("a new message is %s" % m.status)
        sids.append(m.sid)

    deadline = time.time() + 30
    while time.time() < deadline:
        with lock:
            finals = {p["MessageSid"] for _, p, _ in received if p["MessageStatus"] in FINAL}
        if len(finals) >= count:
            break
        time.sleep(0.05)
    server.shutdown()

    validator = RequestValidator(token)
    tally = {"created": len(sids), "callbacks": len(received), "valid": 0, "final": {}, "errors": {}}
    last = {}
    for path, params, signature in received:
        if not validator.validate(callback, params, signature):
            fail("callback signature does not validate: %r" % (params,))
        tally["valid"] += 1
        for field in ("MessageSid", "SmsSid", "MessageStatus", "SmsStatus", "AccountSid", "From", "To", "ApiVersion"):
            if field not in params:
                fail("callback without %s: %r" % (field, params))
        if params["MessageStatus"] in FINAL:
            last[params["MessageSid"]] = params
    for msid, params in last.items():
        status = params["MessageStatus"]
        tally["final"][status] = tally["final"].get(status, 0) + 1
        if status != "delivered":
            code = params.get("ErrorCode")
            if not code:
                fail("a %s callback without ErrorCode" % status)
            tally["errors"][code] = tally["errors"].get(code, 0) + 1
    # Fetched back, a message shows its final status.
    fetched = client.messages(sids[0]).fetch()
    if sids[0] in last and fetched.status != last[sids[0]]["MessageStatus"]:
        fail("fetched status %s, callback said %s" % (fetched.status, last[sids[0]]["MessageStatus"]))
    # Bad credentials are refused.
    try:
        bad = Client(sid, token + "x")
        bad.api.base_url = base_url
        bad.messages.create(to="+819012345678", from_="+15005550006", body="x")
        fail("a wrong auth token was accepted")
    except Exception as e:
        if getattr(e, "status", None) != 401:
            fail("a wrong auth token gave %r, expected 401" % (e,))
    print(json.dumps(tally))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
