#!/usr/bin/python3
"""Counts lowband messages on a ZeroMQ publish endpoint, as an independent host-side consumer.

    zmq-receive.py ENDPOINT TOPIC_PREFIX MIN_COUNT TIMEOUT_S

Subscribes to TOPIC_PREFIX ('' for everything), exits 0 as soon as MIN_COUNT messages of three
frames with a version-1 header arrived, 1 when TIMEOUT_S passed first. Prints each topic.
"""
import sys
import time

import zmq

endpoint, prefix, want, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
ctx = zmq.Context()
sub = ctx.socket(zmq.SUB)
sub.setsockopt(zmq.LINGER, 0)
sub.setsockopt(zmq.SUBSCRIBE, prefix.encode())
sub.connect(endpoint)
deadline = time.monotonic() + timeout
got = 0
while got < want:
    left = deadline - time.monotonic()
    if left <= 0 or not sub.poll(int(left * 1000)):
        break
    frames = sub.recv_multipart()
    if len(frames) != 3 or len(frames[1]) < 12 or frames[1][0] != 1:
        print(f"bad message: {len(frames)} frames", file=sys.stderr)
        continue
    seq = int.from_bytes(frames[1][4:12], "big")
    got += 1
    print(f"  received {frames[0].decode()} seq {seq}")
print(f"  {got} message(s) from {endpoint}")
sys.exit(0 if got >= want else 1)
