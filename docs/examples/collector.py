#!/usr/bin/python3
"""Minimal lowband reliable backend (wire protocol section 2), independent of the gateway code.

Binds a ROUTER, stores each message once (de-duplicated by its 16-byte key), and acknowledges
per gateway the highest seq up to which everything has been received: ["ACK", seq u64 BE].
Prints one JSON line per unique message on stdout. Needs Debian's python3-zmq and python3-cbor2.

    /usr/bin/python3 docs/examples/collector.py --bind tcp://0.0.0.0:5557
"""
import argparse
import collections
import json
import signal
import struct
import sys
import time

import cbor2
import zmq

REDELIVERY = 4


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bind", default="tcp://0.0.0.0:5557")
    ap.add_argument("--keys", type=int, default=100000, help="recent keys kept for de-duplication")
    ap.add_argument("--gap-ms", type=int, default=10000,
                    help="give up on a seq hole (or settle a new gateway's start) after this long")
    args = ap.parse_args()

    def stop(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)

    ctx = zmq.Context()
    sock = ctx.socket(zmq.ROUTER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.ROUTER_HANDOVER, 1)
    sock.bind(args.bind)
    print(json.dumps({"listening": sock.getsockopt(zmq.LAST_ENDPOINT).decode()}), flush=True)

    recent = collections.OrderedDict()
    # gw id -> {"acked": int | None, "stored": set(), "min": int, "since": float, "gap": float | None, "peer": bytes}
    gateways = {}
    stats = {"received": 0, "duplicates": 0, "unique": 0, "malformed": 0}
    gap = args.gap_ms / 1000.0

    def advance(g):
        if g["acked"] is None:
            return False
        a = g["acked"]
        while True:
            if a + 1 in g["stored"]:
                g["stored"].discard(a + 1)
                a += 1
            elif a + 1 in g["skips"]:
                # sys/online's prev_seq: seqs up to the restart were never issued.
                a = g["skips"].pop(a + 1)
                g["stored"] = {s for s in g["stored"] if s > a}
            else:
                break
        moved = a != g["acked"]
        g["acked"] = a
        g["gap"] = (g["gap"] or time.monotonic()) if g["stored"] else None
        return moved

    def ack(g):
        sock.send_multipart([g["peer"], b"ACK", struct.pack(">Q", g["acked"])])

    try:
        while True:
            if sock.poll(100):
                frames = sock.recv_multipart()
                peer, msg = frames[0], frames[1:]
                if len(msg) != 3 or len(msg[1]) != 36 or msg[1][0] != 1:
                    stats["malformed"] += 1
                    continue
                try:
                    body = cbor2.loads(msg[2])
                except Exception:
                    stats["malformed"] += 1
                    continue
                stats["received"] += 1
                flags = msg[1][3]
                seq, = struct.unpack(">Q", msg[1][4:12])
                key = msg[1][20:36].hex()
                gw_id = body.get("gw") if isinstance(body, dict) else None
                g = gateways.setdefault(gw_id or peer.hex(), {
                    "acked": None, "stored": set(), "skips": {}, "min": seq, "since": time.monotonic(), "gap": None, "peer": peer})
                g["peer"] = peer
                prev = body.get("prev_seq") if isinstance(body, dict) else None
                if msg[0] == b"sys/online" and isinstance(prev, int) and prev + 1 <= seq - 1:
                    g["skips"][prev + 1] = seq - 1
                    if len(g["skips"]) > 16:
                        g["skips"].pop(next(iter(g["skips"])))
                g["min"] = min(g["min"], seq)
                if g["acked"] is None and seq == 1:
                    g["acked"] = 0
                if key in recent:
                    stats["duplicates"] += 1
                    recent.move_to_end(key)
                else:
                    stats["unique"] += 1
                    recent[key] = True
                    if len(recent) > args.keys:
                        recent.popitem(last=False)
                    print(json.dumps({"seq": seq, "key": key, "topic": msg[0].decode("ascii", "replace"),
                                      "redelivery": bool(flags & REDELIVERY)}), flush=True)
                if g["acked"] is not None and seq <= g["acked"]:
                    ack(g)  # our earlier ack may have been lost
                else:
                    g["stored"].add(seq)
                    if advance(g):
                        ack(g)
            now = time.monotonic()
            for g in gateways.values():
                if g["acked"] is None and now - g["since"] >= gap:
                    g["acked"] = g["min"] - 1
                    advance(g)
                    ack(g)
                elif g["gap"] is not None and now - g["gap"] >= gap and g["stored"]:
                    g["acked"] = max(g["acked"], min(g["stored"]) - 1)  # never backwards
                    g["gap"] = None
                    advance(g)
                    ack(g)
    except KeyboardInterrupt:
        pass
    finally:
        print(json.dumps({"stats": stats}), file=sys.stderr, flush=True)
        sock.close()
        ctx.term()


if __name__ == "__main__":
    main()
