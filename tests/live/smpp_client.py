"""Drives `simsms serve` with python smpplib, a client no one here wrote.

Usage: smpp_client.py CHECK HOST PORT SYSTEM_ID PASSWORD [COUNT]
Checks: roundtrip (submit COUNT messages with receipts, parse each receipt's
text and TLVs, print a JSON tally), wrong_password, throttle, garbage, and
concat (long UCS-2 Japanese and GSM messages split by smpplib's own
smpplib.gsm.make_parts, sent with a UDH and with SAR TLVs: a receipt per
part, each quoting its own part's first 20 characters).
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
import smpplib.gsm

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


JAPANESE = (
    "認証コードは123456です。このコードは10分間有効です。"
    "他の人には絶対に教えないでください。当社の担当者がコードをお尋ねすることはありません。"
    "心当たりのない場合は、このメッセージを無視してください。"
)
GSM_LONG = "Your verification code is 123456. It expires in 10 minutes. Never share it. " * 5


def part_text(part, coding, esm_class):
    """The first 20 characters of a part as sent: its UDH cut off, decoded."""
    if esm_class & 0x40:
        part = part[1 + part[0]:]
    if coding == smpplib.consts.SMPP_ENCODING_ISO10646:
        text = part.decode("utf-16-be")
    else:
        text = "".join(smpplib.gsm.GSM_CHARACTER_TABLE[b] for b in part)
    return text[:20]


def concat(host, port, system_id, password, _count):
    c = client(host, port)
    receipts, resps = [], []
    c.set_message_received_handler(lambda pdu: receipts.append(pdu))
    c.set_message_sent_handler(lambda pdu: resps.append(pdu))
    c.bind_transceiver(system_id=system_id, password=password)
    # sequence -> (message, expected quoted text)
    sent = {}
    messages = [("ja-udh", JAPANESE, True), ("gsm-udh", GSM_LONG, True), ("ja-sar", JAPANESE, False)]
    for n, (name, text, udhi) in enumerate(messages):
        parts, coding, esm_class = smpplib.gsm.make_parts(text, use_udhi=udhi)
        if len(parts) < 2:
            fail("%s: make_parts made %d part(s)" % (name, len(parts)))
        for i, part in enumerate(parts, start=1):
            extra = {}
            if not udhi:
                extra = dict(sar_msg_ref_num=100 + n, sar_total_segments=len(parts), sar_segment_seqnum=i)
            pdu = c.send_message(
                source_addr="SIMSMS",
                destination_addr="8190777%05d" % n,
                short_message=part,
                data_coding=coding,
                esm_class=esm_class,
                registered_delivery=1,
                **extra
            )
            sent[pdu.sequence] = (name, coding, part_text(part, coding, esm_class))
    deadline = time.time() + 30
    while time.time() < deadline and (len(resps) < len(sent) or len(receipts) < len(sent)):
        c.read_once()
    by_id = {}
    for r in resps:
        if r.status != 0:
            fail("part refused with status %d" % r.status)
        by_id[r.message_id.decode()] = sent[r.sequence]
    tally = {"parts": len(sent), "accepted": len(resps), "receipts": 0, "text_ok": 0, "messages": {}}
    for pdu in receipts:
        m = RECEIPT.match(pdu.short_message.decode("utf-8"))
        if not m:
            fail("receipt text does not parse: %r" % pdu.short_message)
        tlv_id = pdu.receipted_message_id.decode()
        if tlv_id != m.group("id") or tlv_id not in by_id:
            fail("receipt id %r matches no part's submit_sm_resp" % tlv_id)
        name, coding, expected = by_id[tlv_id]
        tally["receipts"] += 1
        if m.group("text") == expected:
            tally["text_ok"] += 1
        else:
            print("%s: receipt quotes %r, part is %r" % (name, m.group("text"), expected), file=sys.stderr)
        message = tally["messages"].setdefault(name, {"coding": coding, "parts": 0, "stats": []})
        message["parts"] += 1
        if m.group("stat") not in message["stats"]:
            message["stats"].append(m.group("stat"))
    c.unbind()
    c.disconnect()
    print(json.dumps(tally, ensure_ascii=False))


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
    {
        "roundtrip": roundtrip,
        "wrong_password": wrong_password,
        "throttle": throttle,
        "garbage": garbage,
        "concat": concat,
    }[check](
        host, int(port), system_id, password, count
    )
