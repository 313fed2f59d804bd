"""Drives `simsms serve` with python smpplib, a client no one here wrote.

Usage: smpp_client.py CHECK HOST PORT SYSTEM_ID PASSWORD [COUNT]
Checks: roundtrip (submit COUNT messages with receipts, parse each receipt's
text and TLVs, print a JSON tally), wrong_password, throttle, garbage.
With SMPP_TLS_CA=FILE in the environment the client connects over TLS
(Python's ssl through smpplib's ssl_context), trusting only the CA in FILE
and checking that the certificate names HOST; roundtrip's tally then says
the TLS version and the certificate's subject.
Exits non-zero with a message when the server misbehaves.
"""
import os
import ssl
import json
import re
import socket
import struct
import sys
import time

import smpplib.client
import smpplib.consts
import smpplib.exceptions

RECEIPT = re.compile(
    r"^id:(?P<id>\S+) sub:(?P<sub>\d{3}) dlvrd:(?P<dlvrd>\d{3}) "
    r"submit date:(?P<submit>\d{10,12}) done date:(?P<done>\d{10,12}) "
    r"stat:(?P<stat>[A-Z]{7}) err:(?P<err>\d{3}) [Tt]ext:(?P<text>.*)$"
)
STATES = {2: "DELIVRD", 3: "EXPIRED", 5: "UNDELIV", 8: "REJECTD"}


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


class Verified:
    """An ssl context for smpplib that also checks the server's name
    (smpplib wraps its socket without one)."""

    def __init__(self, host, ca):
        self.host = host
        self.context = ssl.create_default_context(cafile=ca)

    def wrap_socket(self, sock):
        return self.context.wrap_socket(sock, server_hostname=self.host)


def client(host, port):
    ca = os.environ.get("SMPP_TLS_CA")
    context = Verified(host, ca) if ca else None
    c = smpplib.client.Client(host, port, timeout=10, allow_unknown_opt_params=True, ssl_context=context)
    c.connect()
    return c


def tls_of(c):
    """The TLS version and the verified certificate's subject, if any."""
    if not isinstance(c._socket, ssl.SSLSocket):
        return None
    subject = dict(field[0] for field in c._socket.getpeercert()["subject"])
    return {"version": c._socket.version(), "subject": subject.get("commonName")}


def roundtrip(host, port, system_id, password, count):
    c = client(host, port)
    receipts, resps = [], []
    c.set_message_received_handler(lambda pdu: receipts.append(pdu))
    c.set_message_sent_handler(lambda pdu: resps.append(pdu))
    c.bind_transceiver(system_id=system_id, password=password)
    for i in range(count):
        c.send_message(
            source_addr="SIMSMS",
            destination_addr="8190%08d" % i,
            short_message=b"Your code is 123456",
            registered_delivery=1,
        )
        # Let receipts and resps in as we go; the server's window is 64.
        if i % 32 == 31:
            c.poll()
    deadline = time.time() + 30
    while time.time() < deadline and (len(resps) < count or len(receipts) < count):
        c.read_once()
    ids = set()
    for r in resps:
        if r.status != 0:
            fail("submit refused with status %d" % r.status)
        ids.add(r.message_id.decode())
    tally = {"submitted": count, "accepted": len(resps), "receipts": 0, "stat": {}, "tls": tls_of(c)}
    for pdu in receipts:
        text = pdu.short_message.decode()
        m = RECEIPT.match(text)
        if not m:
            fail("receipt text does not parse: %r" % text)
        tlv_id = pdu.receipted_message_id.decode()
        if tlv_id != m.group("id") or tlv_id not in ids:
            fail("receipt id %r / TLV %r matches no submit_sm_resp" % (m.group("id"), tlv_id))
        if STATES.get(pdu.message_state) != m.group("stat"):
            fail("message_state %r disagrees with stat %s" % (pdu.message_state, m.group("stat")))
        if len(pdu.network_error_code) != 3:
            fail("network_error_code is not 3 octets: %r" % pdu.network_error_code)
        if pdu.esm_class & 0x04 == 0:
            fail("esm_class %r is not a delivery receipt" % pdu.esm_class)
        tally["receipts"] += 1
        tally["stat"][m.group("stat")] = tally["stat"].get(m.group("stat"), 0) + 1
    c.unbind()
    c.disconnect()
    print(json.dumps(tally))


def wrong_password(host, port, system_id, password, _count):
    c = client(host, port)
    try:
        c.bind_transceiver(system_id=system_id, password=password + "x")
    except smpplib.exceptions.PDUError as e:
        if e.args[1] != smpplib.consts.SMPP_ESME_RINVPASWD:
            fail("bind refused with status %r, expected ESME_RINVPASWD" % (e.args[1],))
        print(json.dumps({"refused": e.args[1]}))
        return
    fail("a bind with a wrong password was accepted")


def throttle(host, port, system_id, password, count):
    c = client(host, port)
    statuses = []
    c.set_message_sent_handler(lambda pdu: statuses.append(pdu.status))
    c.bind_transmitter(system_id=system_id, password=password)
    for i in range(count):
        c.send_message(source_addr="SIMSMS", destination_addr="8180%08d" % i, short_message=b"x")
    deadline = time.time() + 10
    while time.time() < deadline and len(statuses) < count:
        try:
            c.read_once()
        except smpplib.exceptions.PDUError as e:
            # smpplib raises for every refused submit_sm_resp.
            statuses.append(e.args[1])
    throttled = sum(1 for s in statuses if s == smpplib.consts.SMPP_ESME_RTHROTTLED)
    print(json.dumps({"answers": len(statuses), "throttled": throttled}))


def garbage(host, port, system_id, password, _count):
    c = client(host, port)
    c.bind_transceiver(system_id=system_id, password=password)
    # A submit_sm header (sequence 4242) whose body cannot decode.
    c._socket.sendall(struct.pack(">IIII", 20, 4, 0, 4242) + b"\xff\xff\xff\xff")
    pdu = c.read_pdu()
    if pdu.command != "generic_nack" or pdu.sequence != 4242:
        fail("expected generic_nack for sequence 4242, got %s %s" % (pdu.command, pdu.sequence))
    # The session lives on: an enquire_link is answered.
    sequence = c.next_sequence()
    c._socket.sendall(struct.pack(">IIII", 16, 0x15, 0, sequence))
    pdu = c.read_pdu()
    if pdu.command != "enquire_link_resp":
        fail("the session ended after a bad PDU: got %s" % pdu.command)
    print(json.dumps({"nack_sequence": 4242, "alive": True}))


if __name__ == "__main__":
    check, host, port, system_id, password = sys.argv[1:6]
    count = int(sys.argv[6]) if len(sys.argv) > 6 else 10
    {"roundtrip": roundtrip, "wrong_password": wrong_password, "throttle": throttle, "garbage": garbage}[check](
        host, int(port), system_id, password, count
    )
