"""An open-loop SMPP load generator on python smpplib, doing the work
`simsms load` does, for the side-by-side comparison in
bench/load_vs_smpplib.sh.

usage: smpplib_load.py HOST PORT SYSTEM_ID PASSWORD RATE SECONDS [BINDS] [WINDOW]

Sends RATE messages/s for SECONDS on an absolute schedule over BINDS
transceiver binds (round robin), each with at most WINDOW submits awaiting
their submit_sm_resp. A message whose bind's window is still full 1 s after
its intended time is dropped, as `simsms load --max-late 1s` does. Every
submit asks for a receipt; smpplib acknowledges each deliver_sm itself.
submit -> submit_sm_resp latency is measured from the intended send time,
and from the actual one. The pipelining is smpplib's own: send_message
does not wait for the resp, and a reader thread per bind runs read_once.
Prints one JSON line.
"""
import json
import sys
import threading
import time

import smpplib.client

MAX_LATE = 1.0
# tests/live/requirements.txt pins this version; smpplib has no __version__.
GENERATOR = "python smpplib 2.2.4"
WAIT_AFTER = 10.0


def percentile(sorted_values, q):
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


class Bind:
    def __init__(self, host, port, system_id, password, window, stats):
        self.client = smpplib.client.Client(
            host, port, timeout=30, allow_unknown_opt_params=True
        )
        self.window = threading.BoundedSemaphore(window)
        self.pending = {}
        self.lock = threading.Lock()
        self.stats = stats
        self.client.set_message_sent_handler(self.on_resp)
        self.client.set_message_received_handler(self.on_receipt)
        self.client.connect()
        self.client.bind_transceiver(system_id=system_id, password=password)
        self.done = False
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        while not self.done:
            try:
                self.client.read_once()
            except Exception:  # the connection closed at the end
                return

    def on_resp(self, pdu):
        now = time.monotonic()
        with self.lock:
            times = self.pending.pop(pdu.sequence, None)
        if times is None:
            return
        intended, actual = times
        with self.stats["lock"]:
            self.stats["from_intended"].append(now - intended)
            self.stats["from_actual"].append(now - actual)
            self.stats["answered"] += 1
            self.stats["last_answer"] = now
        self.window.release()

    def on_receipt(self, pdu):
        with self.stats["lock"]:
            self.stats["receipts"] += 1

    def send(self, number, intended):
        if not self.window.acquire(timeout=max(0.0, intended + MAX_LATE - time.monotonic())):
            return False
        actual = time.monotonic()
        # Register under the sequence the PDU will carry before it can be
        # answered.
        with self.lock:
            self.pending[self.client.sequence_generator.sequence + 1] = (intended, actual)
        self.client.send_message(
            source_addr="SIMSMS",
            destination_addr=number,
            short_message=b"Your code is 123456",
            registered_delivery=1,
        )
        return True


def new_stats():
    """What the binds record, shared by them under its lock."""
    return {
        "lock": threading.Lock(),
        "from_intended": [],
        "from_actual": [],
        "answered": 0,
        "receipts": 0,
        "last_answer": 0.0,
    }


def wait_for_answers(stats, sent):
    """Waits up to WAIT_AFTER for the resps and receipts of `sent` submits."""
    waited_from = time.monotonic()
    while time.monotonic() - waited_from < WAIT_AFTER:
        with stats["lock"]:
            if stats["answered"] >= sent and stats["receipts"] >= sent:
                return
        time.sleep(0.01)


def main():
    host, port, system_id, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    rate, seconds = float(sys.argv[5]), float(sys.argv[6])
    binds = int(sys.argv[7]) if len(sys.argv) > 7 else 2
    window = int(sys.argv[8]) if len(sys.argv) > 8 else 256
    stats = new_stats()
    pool = [Bind(host, port, system_id, password, window, stats) for _ in range(binds)]
    planned = int(rate * seconds)
    sent = late = dropped = 0
    start = time.monotonic() + 0.2
    for k in range(planned):
        intended = start + k / rate
        delay = intended - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if pool[k % binds].send("8190%08d" % k, intended):
            sent += 1
            if time.monotonic() - intended > 0.010:
                late += 1
        else:
            dropped += 1
    all_sent = time.monotonic()
    wait_for_answers(stats, sent)
    elapsed_send = all_sent - start
    for b in pool:
        b.done = True
        try:
            b.client.unbind()
        except Exception:
            pass
    ms = lambda values, q: round(percentile(values, q) * 1000, 2)
    intended_sorted = sorted(stats["from_intended"])
    actual_sorted = sorted(stats["from_actual"])
    print(
        json.dumps(
            {
                "generator": GENERATOR,
                "planned": planned,
                "sent": sent,
                "late": late,
                "dropped": dropped,
                "answered": stats["answered"],
                "receipts": stats["receipts"],
                "send_rate": round(sent / elapsed_send, 1),
                "p50_ms": ms(intended_sorted, 0.5),
                "p99_ms": ms(intended_sorted, 0.99),
                "p999_ms": ms(intended_sorted, 0.999),
                "p99_actual_ms": ms(actual_sorted, 0.99),
            }
        )
    )
    sys.stdout.flush()
    # Reader threads may still block in recv; leave without waiting.
    import os

    os._exit(0)


if __name__ == "__main__":
    main()
