#!/usr/bin/python3
"""An independent lowband consumer written from docs/wire-protocol.md alone (pyzmq + cbor2).

Prints one JSON line per message and exits after COUNT messages or TIMEOUT seconds.
Usage: subscriber.py ENDPOINT COUNT [--filter PREFIX]... [--timeout S] [--stall S]
  [--curve-server-key Z85 --curve-public Z85 --curve-secret Z85]
With --stall the socket connects and subscribes but never reads, for S seconds.
"""
import argparse
import json
import struct
import sys
import time

import cbor2
import zmq


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("endpoint")
    ap.add_argument("count", type=int)
    ap.add_argument("--filter", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--stall", type=float, default=0.0)
    ap.add_argument("--rcvbuf", type=int, default=0)
    ap.add_argument("--curve-server-key")
    ap.add_argument("--curve-public")
    ap.add_argument("--curve-secret")
    a = ap.parse_args()

    ctx = zmq.Context()
    s = ctx.socket(zmq.SUB)
    s.setsockopt(zmq.LINGER, 0)
    if a.rcvbuf:
        s.setsockopt(zmq.RCVBUF, a.rcvbuf)
        s.setsockopt(zmq.RCVHWM, 1)
    if a.curve_server_key:
        s.curve_serverkey = a.curve_server_key.encode()
        s.curve_publickey = a.curve_public.encode()
        s.curve_secretkey = a.curve_secret.encode()
    for f in a.filter or [""]:
        s.setsockopt(zmq.SUBSCRIBE, f.encode())
    s.connect(a.endpoint)
    print(json.dumps({"ready": True}), flush=True)
    if a.stall:
        time.sleep(a.stall)
        return 0
    deadline = time.monotonic() + a.timeout
    n = 0
    poller = zmq.Poller()
    poller.register(s, zmq.POLLIN)
    while n < a.count:
        left = deadline - time.monotonic()
        if left <= 0:
            print(json.dumps({"timeout": True, "received": n}), flush=True)
            return 1
        if not poller.poll(int(left * 1000)):
            continue
        frames = s.recv_multipart()
        out = {"frames": len(frames)}
        if len(frames) == 3:
            topic, header, body = frames
            out["topic"] = topic.decode("ascii")
            out["header_len"] = len(header)
            if len(header) == 36:
                version, kind, radio, flags, seq, time_us = struct.unpack(">BBBBQQ", header[:20])
                out.update(version=version, kind=kind, radio=radio, flags=flags, seq=seq, time_us=time_us,
                           key=header[20:36].hex())
            b = cbor2.loads(body)
            out["body"] = {k: (v.hex() if isinstance(v, bytes) else v) for k, v in b.items()}
            out["body_types"] = {k: type(v).__name__ for k, v in b.items()}
        print(json.dumps(out), flush=True)
        n += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
