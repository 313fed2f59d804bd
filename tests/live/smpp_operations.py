"""query_sm and data_sm against `simsms serve` with python smpplib's own
PDUs (make_pdu / send_pdu / read_pdu), for tests/serve_operations.rs.

usage: smpp_operations.py query|data_sm HOST PORT SYSTEM_ID PASSWORD

query:   submits 5 messages, queries each at once, reads their receipts,
         queries each again, and queries an id never given. Prints JSON:
         the states before and after, and whether every final answer
         agrees with its receipt (state, final_date against done date).
data_sm: sends a data_sm (text in message_payload) and reads its
         data_sm_resp and its receipt, whichever PDU carries it. Prints
         JSON: the resp's status and id, the receipt's command, id and text.

Every read has a 10 s socket timeout; the whole run a 20 s deadline.
"""

import json
import sys
import time

import smpplib.client
import smpplib.consts
import smpplib.smpp

DEADLINE = time.time() + 20


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def bound(host, port, system_id, password):
    c = smpplib.client.Client(host, int(port), timeout=10, allow_unknown_opt_params=True)
    c.connect()
    c.bind_transceiver(system_id=system_id, password=password)
    return c


def ack(c, pdu):
    """Acknowledges a receipt with the response its command asks."""
    resp = smpplib.smpp.make_pdu(pdu.command + "_resp", client=c)
    resp.sequence = pdu.sequence
    c.send_pdu(resp)


def exchange(c, request, receipts):
    """Sends `request`; returns its answer, keeping (and acknowledging) the
    receipts that come meanwhile."""
    c.send_pdu(request)
    while time.time() < DEADLINE:
        pdu = c.read_pdu()
        if pdu.command in ("deliver_sm", "data_sm"):
            ack(c, pdu)
            receipts.append(pdu)
        elif pdu.sequence == request.sequence:
            return pdu
    fail("no answer to %s before the deadline" % request.command)


def text_of(pdu):
    raw = pdu.short_message if pdu.command == "deliver_sm" else pdu.message_payload
    return raw.decode()


def field(text, name):
    return text.split(name + ":", 1)[1].split(" ", 1)[0]


def query_sm(c, message_id, receipts):
    q = smpplib.smpp.make_pdu("query_sm", client=c, message_id=message_id, source_addr="SIMSMS")
    return exchange(c, q, receipts)


def query(host, port, system_id, password):
    c = bound(host, port, system_id, password)
    receipts, ids = [], []
    for i in range(5):
        submit = smpplib.smpp.make_pdu(
            "submit_sm", client=c, source_addr="SIMSMS", destination_addr="8190%08d" % i,
            short_message=b"Your code is 123456", registered_delivery=1)
        resp = exchange(c, submit, receipts)
        if resp.status != 0:
            fail("submit refused: %d" % resp.status)
        ids.append(resp.message_id.decode())
    before = [query_sm(c, i, receipts).message_state for i in ids]
    while len(receipts) < len(ids) and time.time() < DEADLINE:
        pdu = c.read_pdu()
        if pdu.command == "deliver_sm":
            ack(c, pdu)
            receipts.append(pdu)
    by_id = {r.receipted_message_id.decode(): r for r in receipts}
    after, agree = [], True
    for i in ids:
        answer = query_sm(c, i, [])
        after.append(answer.message_state)
        r = by_id.get(i)
        final_date = (answer.final_date or b"").decode() if isinstance(answer.final_date, bytes) else (answer.final_date or "")
        if r is None or r.message_state != answer.message_state:
            agree = False
        elif not final_date.startswith(field(text_of(r), "done date")) or len(final_date) != 16:
            agree = False
    unknown = query_sm(c, "999999", [])
    c.unbind()
    c.disconnect()
    print(json.dumps({
        "ids": ids, "before": before, "after": after, "receipts": len(receipts),
        "agree": agree, "unknown_status": unknown.status,
    }))


def data_sm(host, port, system_id, password):
    c = bound(host, port, system_id, password)
    receipts = []
    d = smpplib.smpp.make_pdu(
        "data_sm", client=c, source_addr="SIMSMS", destination_addr="819012345678",
        registered_delivery=1, message_payload=b"Your code is 123456")
    resp = exchange(c, d, receipts)
    while not receipts and time.time() < DEADLINE:
        pdu = c.read_pdu()
        if pdu.command in ("deliver_sm", "data_sm"):
            ack(c, pdu)
            receipts.append(pdu)
    if not receipts:
        fail("no receipt before the deadline")
    r = receipts[0]
    c.unbind()
    c.disconnect()
    print(json.dumps({
        "resp": resp.command, "status": resp.status, "id": resp.message_id.decode(),
        "receipt": r.command, "receipted_id": r.receipted_message_id.decode(),
        "text": text_of(r),
    }))


if __name__ == "__main__":
    check, host, port, system_id, password = sys.argv[1:6]
    {"query": query, "data_sm": data_sm}[check](host, port, system_id, password)
