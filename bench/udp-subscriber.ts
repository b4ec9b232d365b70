// Subscriber process for the UDP bench (a separate process, like a real backend): signals when
// the first warm-up reading (lora/ffffffff) arrives, skips the untimed ones (topics starting
// with the `skip` argument), then counts the others until `count` or
// until `idleMs` pass without one (datagrams the kernel dropped never come), measuring latency
// from the header's receive time. Prints one JSON line per event.
import * as zmq from 'zeromq';

async function main(): Promise<void> {
  const [endpoint, countArg, idleArg, skip] = process.argv.slice(2);
  const count = Number(countArg);
  const idleMs = Number(idleArg ?? 3000);
  const sub = new zmq.Subscriber({ receiveHighWaterMark: 0, linger: 0, receiveTimeout: idleMs });
  sub.connect(endpoint);
  sub.subscribe('lora/');
  process.stdout.write(JSON.stringify({ ready: true }) + '\n');
  const lat = new Float64Array(count);
  let n = 0;
  let warm = false;
  let t0 = 0n;
  let t1 = 0n;
  for (;;) {
    let frames: Buffer[];
    try {
      frames = await sub.receive();
    } catch {
      if (!warm) continue; // still waiting for the gateway
      break; // idle: the rest was lost before the gateway
    }
    const topic = frames[0].toString();
    if (topic === 'lora/ffffffff') {
      if (!warm) {
        warm = true;
        process.stdout.write(JSON.stringify({ warm: true }) + '\n');
      }
      continue;
    }
    if (skip && topic.startsWith(skip)) continue;
    const nowUs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
    if (n === 0) t0 = process.hrtime.bigint();
    lat[n++] = Number(nowUs - frames[1].readBigUInt64BE(12));
    t1 = process.hrtime.bigint();
    if (n === count) break;
  }
  const secs = Math.max(1e-9, Number(t1 - t0) / 1e9);
  const sorted = Array.from(lat.subarray(0, n)).sort((a, b) => a - b);
  process.stdout.write(
    JSON.stringify({ received: n, seconds: secs, perSecond: n / secs, p50us: sorted[Math.floor(n * 0.5)] ?? 0, p99us: sorted[Math.floor(n * 0.99)] ?? 0 }) + '\n',
  );
  sub.close();
}

main().catch((err) => {
  process.stderr.write(String(err) + '\n');
  process.exit(1);
});
