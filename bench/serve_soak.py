"""A soak of `simsms serve` over SMPP on loopback, bounded in time.

Clients submit at a steady rate over several connections. Each connection
lives a random while, then drops without unbinding and a new one binds; a
share never acknowledges receipts, and a share sends garbage. At the end
one clean receiver acknowledges whatever is still held. Then:
- every accepted message (submit_sm_resp OK) has exactly one acknowledged
  receipt: none lost, none duplicated (a receipt may also come for a
  message whose submit_sm_resp the client never read, having dropped);
- the server's open connections return to 0;
- its resident memory after warm-up stays flat.

Usage: serve_soak.py SMPP_HOST:PORT METRICS_HOST:PORT SERVER_PID SECONDS RATE
Prints one JSON line of figures; exits 1 when a check fails.
Standard library only (asyncio), so it also runs where smpplib is not
installed.
"""
import asyncio
import json
import random
import struct
import sys
import time
import urllib.request

BIND_TRANSCEIVER, SUBMIT_SM, DELIVER_SM, UNBIND = 0x09, 0x04, 0x05, 0x06
RESP = 0x80000000
RECEIPTED_MESSAGE_ID = 0x001E
USERS = 20_000


def cstr(text):
    return text.encode() + b"\0"


def pdu(command, sequence, body=b"", status=0):
    return struct.pack(">IIII", 16 + len(body), command, status, sequence) + body


def submit_body(number, text):
    return (
        cstr("")  # service_type
        + bytes([1, 1]) + cstr("Soak")
        + bytes([1, 1]) + cstr(number)
        + bytes([0, 0, 0]) + cstr("") + cstr("")
        + bytes([1, 0, 0, 0])  # registered_delivery = 1
        + bytes([len(text)]) + text.encode()
    )


def receipt_id(body):
    """The receipted_message_id TLV, else the id in the receipt text."""

    def past_cstring(at):
        return body.index(b"\0", at) + 1

    at = past_cstring(0)  # service_type
    at = past_cstring(at + 2)  # source ton, npi, source_addr
    at = past_cstring(at + 2)  # dest ton, npi, destination_addr
    at += 3  # esm_class, protocol_id, priority_flag
    at = past_cstring(at)  # schedule_delivery_time
    at = past_cstring(at)  # validity_period
    at += 4  # registered_delivery, replace_if_present, data_coding, sm_default_msg_id
    length = body[at]
    text = body[at + 1 : at + 1 + length]
    at += 1 + length
    while at + 4 <= len(body):
        tag, size = struct.unpack(">HH", body[at : at + 4])
        if tag == RECEIPTED_MESSAGE_ID:
            return body[at + 4 : at + 4 + size].rstrip(b"\0").decode()
        at += 4 + size
    return text.split(b" ")[0].split(b":")[1].decode()


class Tally:
    def __init__(self):
        self.accepted = set()
        self.acked = {}
        self.unacked_seen = 0
        self.throttled = 0
        self.refused = 0
        self.connections = 0
        self.garbage_sent = 0
        self.dropped = 0


async def read_pdu(reader):
    header = await reader.readexactly(16)
    length, command, status, sequence = struct.unpack(">IIII", header)
    body = await reader.readexactly(length - 16)
    return command, status, sequence, body


async def session(host, port, tally, rate, until, behaviour, lifetime):
    """One connection: bind, submit at `rate` per second, answer receipts
    as `behaviour` says, then drop without unbinding. A drop half-closes
    first, so every acknowledgement written reaches the server before the
    connection ends; acknowledgements that cannot reach it (after garbage
    that ends the connection) are neither written nor counted."""
    reader, writer = await asyncio.open_connection(host, port)
    tally.connections += 1
    sequence = 1
    writer.write(pdu(BIND_TRANSCEIVER, sequence, cstr("soak") + cstr("soak") + cstr("") + bytes([0x34, 0, 0]) + cstr("")))
    state = {"acking": behaviour != "silent"}
    stop_at = min(until, time.monotonic() + lifetime)

    async def receive():
        while True:
            command, status, seq, body = await read_pdu(reader)
            if command == DELIVER_SM:
                ident = receipt_id(body)
                if not state["acking"]:
                    tally.unacked_seen += 1
                    continue
                writer.write(pdu(DELIVER_SM | RESP, seq, cstr("")))
                tally.acked[ident] = tally.acked.get(ident, 0) + 1
            elif command == SUBMIT_SM | RESP:
                if status == 0:
                    tally.accepted.add(body.rstrip(b"\0").decode())
                elif status == 0x58:
                    tally.throttled += 1
                else:
                    tally.refused += 1

    receiver = asyncio.create_task(receive())
    try:
        next_send = time.monotonic()
        while time.monotonic() < stop_at and not receiver.done():
            sequence += 1
            # Users come back: numbers from a fixed population, so the
            # server's per-number memory reaches its steady size early.
            number = "8190%08d" % random.randrange(USERS)
            writer.write(pdu(SUBMIT_SM, sequence, submit_body(number, "code %06d" % sequence)))
            if behaviour == "garbage" and random.random() < 0.02:
                tally.garbage_sent += 1
                if random.random() < 0.5:
                    # A well-framed PDU with an unknown command id: answered
                    # with generic_nack, the session goes on.
                    writer.write(pdu(0x7F, sequence + 100000, bytes(random.randrange(256) for _ in range(8))))
                else:
                    # A length below 16: the server cannot resynchronise and
                    # closes; nothing written after it is read.
                    state["acking"] = False
                    writer.write(struct.pack(">I", random.randrange(16)) + bytes(random.randrange(256) for _ in range(12)))
                    await writer.drain()
                    break
            await writer.drain()
            next_send += 1.0 / rate
            await asyncio.sleep(max(0.0, next_send - time.monotonic()))
        # Drop without unbinding: stop acknowledging, half-close, and read
        # until the server closes its side.
        state["acking"] = False
        await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
        try:
            await asyncio.wait_for(asyncio.shield(receiver), 2.0)
        except (asyncio.TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        receiver.cancel()
        tally.dropped += 1
        writer.close()


async def worker(host, port, tally, rate, until):
    while time.monotonic() < until:
        behaviour = random.choices(["acks", "silent", "garbage"], [0.7, 0.15, 0.15])[0]
        try:
            await session(host, port, tally, rate, until, behaviour, random.uniform(1.0, 8.0))
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            await asyncio.sleep(0.1)


async def drain(host, port, tally, metrics, quiet):
    """A clean receiver that acknowledges everything until nothing is held
    and nothing has come for `quiet` seconds."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(pdu(BIND_TRANSCEIVER, 1, cstr("soak") + cstr("soak") + cstr("") + bytes([0x34, 0, 0]) + cstr("")))
    last = time.monotonic()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            command, status, seq, body = await asyncio.wait_for(read_pdu(reader), 0.5)
        except asyncio.TimeoutError:
            if time.monotonic() - last > quiet and gauge(metrics, "simsms_held_receipts") == 0:
                break
            continue
        if command == DELIVER_SM:
            ident = receipt_id(body)
            writer.write(pdu(DELIVER_SM | RESP, seq, cstr("")))
            await writer.drain()
            tally.acked[ident] = tally.acked.get(ident, 0) + 1
            last = time.monotonic()
    writer.write(pdu(UNBIND, 2))
    await writer.drain()
    writer.close()


def gauge(metrics, name):
    text = urllib.request.urlopen(f"http://{metrics}/metrics", timeout=5).read().decode()
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.split()[-1])
    raise SystemExit(f"soak: /metrics has no {name}")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def main():
    smpp, metrics, pid, seconds, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    host, port = smpp.rsplit(":", 1)
    tally = Tally()
    workers = 4
    start = time.monotonic()
    until = start + seconds
    samples = []

    async def sample():
        while time.monotonic() < until:
            samples.append((round(time.monotonic() - start, 1), rss_kb(pid), gauge(metrics, "simsms_connections")))
            await asyncio.sleep(max(1.0, seconds / 60))

    sampler = asyncio.create_task(sample())
    await asyncio.gather(*(worker(host, int(port), tally, rate / workers, until) for _ in range(workers)))
    sampler.cancel()
    # Dropped connections close on the server's side too.
    for _ in range(100):
        if gauge(metrics, "simsms_connections") == 0:
            break
        await asyncio.sleep(0.1)
    after_clients = gauge(metrics, "simsms_connections")
    await drain(host, int(port), tally, metrics, quiet=5.0)
    for _ in range(100):
        if gauge(metrics, "simsms_connections") == 0:
            break
        await asyncio.sleep(0.1)
    final_connections = gauge(metrics, "simsms_connections")
    lost = [i for i in tally.accepted if tally.acked.get(i, 0) == 0]
    duplicated = [i for i, n in tally.acked.items() if n > 1]
    warm = [rss for t, rss, _ in samples if t >= seconds * 0.25]
    figures = {
        "seconds": seconds,
        "rate": rate,
        "connections_opened": tally.connections,
        "accepted": len(tally.accepted),
        "throttled": tally.throttled,
        "refused": tally.refused,
        "receipts_acknowledged": sum(tally.acked.values()),
        "receipts_seen_unacknowledged": tally.unacked_seen,
        "garbage_pdus": tally.garbage_sent,
        "lost": len(lost),
        "duplicated": len(duplicated),
        "connections_after_clients": after_clients,
        "connections_at_end": final_connections,
        "max_connections_seen": max((c for _, _, c in samples), default=0),
        "rss_kb_first": samples[0][1] if samples else 0,
        "rss_kb_after_warmup": warm[0] if warm else 0,
        "rss_kb_end": rss_kb(pid),
        "rss_kb_max_after_warmup": max(warm, default=0),
    }
    print(json.dumps(figures))
    problems = []
    if lost:
        problems.append(f"{len(lost)} accepted messages without a receipt, e.g. {lost[:3]}")
    if duplicated:
        problems.append(f"{len(duplicated)} receipts acknowledged twice, e.g. {duplicated[:3]}")
    if final_connections != 0 or after_clients != 0:
        problems.append(f"connections did not return to 0 ({after_clients}, then {final_connections})")
    if warm and figures["rss_kb_end"] > 1.5 * warm[0] + 20_000:
        problems.append(f"memory grew after warm-up: {warm[0]} KB to {figures['rss_kb_end']} KB")
    if len(tally.accepted) == 0:
        problems.append("nothing was accepted")
    for p in problems:
        print("soak: " + p, file=sys.stderr)
    sys.exit(1 if problems else 0)


asyncio.run(main())
