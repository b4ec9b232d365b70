// Benchmark subscriber (a separate process, like a real backend): counts messages after the
// first non-warm-up one, measures latency from the header's time field, prints one JSON line.
import * as zmq from 'zeromq';

async function main(): Promise<void> {
  const [endpoint, countArg] = process.argv.slice(2);
  const count = Number(countArg);
  const sub = new zmq.Subscriber({ receiveHighWaterMark: 0, linger: 0 });
  sub.connect(endpoint);
  sub.subscribe('');
  process.stdout.write(JSON.stringify({ ready: true }) + '\n');
  const lat = new Float64Array(count);
  let n = 0;
  let warm = false;
  let t0 = 0n;
  let lastSeq = -1n;
  let gaps = 0;
  for await (const frames of sub) {
    if (frames[0].toString() === 'sys/warm') {
      if (!warm) {
        warm = true;
        process.stdout.write(JSON.stringify({ warm: true }) + '\n');
      }
      continue;
    }
    const h = frames[1];
    const nowUs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
    if (n === 0) t0 = process.hrtime.bigint();
    const seq = h.readBigUInt64BE(4);
    if (lastSeq >= 0n && seq !== lastSeq + 1n) gaps++;
    lastSeq = seq;
    lat[n++] = Number(nowUs - h.readBigUInt64BE(12));
    if (n === count) break;
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const sorted = Array.from(lat).sort((a, b) => a - b);
  process.stdout.write(
    JSON.stringify({ received: n, seconds: secs, perSecond: n / secs, p50us: sorted[Math.floor(n * 0.5)], p99us: sorted[Math.floor(n * 0.99)], seqGaps: gaps }) + '\n',
  );
  sub.close();
}

main().catch((err) => {
  process.stderr.write(String(err) + '\n');
  process.exit(1);
});
