"""python smpplib pushing submit_sm as fast as it can, for
bench/live_limit.sh: the binds of bench/smpplib_load.py (each keeping at
most WINDOW submits awaiting their resp, smpplib's own pipelining), sent to
round robin with no schedule, for SECONDS. Every submit asks for a
receipt, which smpplib acknowledges. Then waits up to 10 s for the resps
and receipts still due.

usage: smpplib_push.py HOST PORT SYSTEM_ID PASSWORD SECONDS [BINDS] [WINDOW]
Prints one JSON line.
"""
import json
import os
import sys
import time

from smpplib_load import GENERATOR, Bind, new_stats, wait_for_answers


def main():
    host, port, system_id, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    seconds = float(sys.argv[5])
    binds = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    window = int(sys.argv[7]) if len(sys.argv) > 7 else 256
    stats = new_stats()
    pool = [Bind(host, port, system_id, password, window, stats) for _ in range(binds)]
    sent = 0
    start = time.monotonic()
    end = start + seconds
    while time.monotonic() < end:
        # Sent now, so a full window waits (up to 1 s) rather than drops.
        if pool[sent % binds].send("8190%08d" % sent, time.monotonic()):
            sent += 1
    wait_for_answers(stats, sent)
    print(
        json.dumps(
            {
                "generator": GENERATOR,
                "binds": binds,
                "window": window,
                "sent": sent,
                "answered": stats["answered"],
                "receipts": stats["receipts"],
                "submits_per_s": round(stats["answered"] / max(1e-3, stats["last_answer"] - start)),
                "receipts_per_s": round(stats["receipts"] / (time.monotonic() - start)),
            }
        )
    )
    sys.stdout.flush()
    for b in pool:
        b.done = True
    # Reader threads may still block in recv; leave without waiting.
    os._exit(0)


if __name__ == "__main__":
    main()
