import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { curveKeyPair, Router } from 'zeromq';
import { Collector } from '../../src/collect/collector';
import { MemoryLog } from '../../src/pipeline/memory-log';
import { ReliableSink } from '../../src/sinks/reliable';
import { Spool } from '../../src/spool/spool';
import { decodeFrames, Flag, type WireMessage } from '../../src/wire/message';
import { message, OPEN_LIMITS, tempDir, until } from '../spool/helpers';
import { REPO } from '../helpers/paths';

/** What the backends saw, across collector restarts. */
class Seen {
  readonly copies = new Map<bigint, number>();
  readonly flagged = new Set<bigint>();
  add(m: WireMessage): void {
    this.copies.set(m.seq, (this.copies.get(m.seq) ?? 0) + 1);
    if (m.flags & Flag.redelivery) this.flagged.add(m.seq);
  }
  hasAll(from: bigint, to: bigint): boolean {
    for (let s = from; s <= to; s++) if (!this.copies.has(s)) return false;
    return true;
  }
}

function collector(endpoint: string, seen: Seen, keys?: Set<string>): Collector {
  return new Collector({
    bind: endpoint,
    gapMs: 300,
    onMessage: (m) => {
      seen.add(m);
      keys?.add(m.key.toString('hex'));
    },
  });
}

test('backend down for a stretch of a steady stream, then up: every message arrives, keys after de-dup equal the sent set', async () => {
  const { dir, cleanup } = tempDir('lowband-rel-');
  const endpoint = `ipc://${path.join(dir, 'backend.sock')}`;
  const spool = new Spool({ dir: path.join(dir, 'spool'), maxBytes: 16 << 20, fsyncMs: 10, segmentBytes: 256 << 10 });
  const sink = new ReliableSink({ connect: endpoint, window: 100, ackTimeoutMs: 400, reconnectIntervalMs: 20, reconnectMaxIntervalMs: 100, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 300 });
  const seen = new Seen();
  const keys = new Set<string>();
  const sentKeys = new Set<string>();
  let backend = collector(endpoint, seen, keys);
  try {
    await spool.open();
    await backend.start();
    await sink.start(spool.openCursor('reliable', OPEN_LIMITS));
    let seq = 0n;
    const produce = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const m = message(++seq);
        sentKeys.add(m.frames[1].subarray(20, 36).toString('hex'));
        spool.append(m);
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 1)); // a steady stream, not a burst
      }
    };
    await produce(400);
    await until(() => seen.copies.size >= 200, 10_000, 'first messages at the backend');
    await backend.stop(); // backend goes away mid-stream
    await produce(600);
    await until(() => sink.status().state === 'disconnected', 10_000, 'disconnect noticed');
    assert.ok(BigInt(sink.status().cursor) < seq, 'not everything acknowledged while the backend is down');
    backend = collector(endpoint, seen, keys);
    await backend.start();
    await produce(400);
    await until(() => sink.status().cursor === seq.toString(), 20_000, 'everything acknowledged');
    assert.equal(seen.copies.size, 1400);
    assert.ok(seen.hasAll(1n, seq));
    assert.deepEqual(keys, sentKeys);
    assert.equal(sink.status().inFlight, 0);
    assert.equal(sink.status().backlog.messages, 0);
  } finally {
    await sink.stop(0);
    await backend.stop();
    await spool.close();
    cleanup();
  }
});

test('ack timeout: the unacknowledged message is resent with the redelivery flag, then committed', async () => {
  const { dir, cleanup } = tempDir('lowband-rel-');
  const router = new Router({ linger: 0 });
  const log = new MemoryLog();
  let sink: ReliableSink | undefined;
  try {
    await router.bind(`ipc://${path.join(dir, 'r.sock')}`);
    sink = new ReliableSink({ connect: router.lastEndpoint!, window: 10, ackTimeoutMs: 150 });
    const cursor = log.openCursor('reliable', OPEN_LIMITS);
    await sink.start(cursor);
    log.append(message(1n));
    const [id1, ...first] = await router.receive();
    const m1 = decodeFrames(first);
    assert.equal(m1.seq, 1n);
    assert.equal(m1.flags & Flag.redelivery, 0);
    // No ack: after the timeout the same message comes again, flagged.
    const [id2, ...second] = await router.receive();
    const m2 = decodeFrames(second);
    assert.equal(m2.seq, 1n);
    assert.deepEqual(m2.key, m1.key);
    assert.equal(m2.flags & Flag.redelivery, Flag.redelivery);
    assert.deepEqual(id2, id1);
    assert.ok((sink.status().resends as number) >= 1);
    // Malformed acks are counted, not fatal.
    await router.send([id2, 'NAK', Buffer.alloc(8)]);
    await router.send([id2, 'ACK', Buffer.alloc(3)]);
    const ack = Buffer.alloc(8);
    ack.writeBigUInt64BE(1n);
    await router.send([id2, 'ACK', ack]);
    await until(() => cursor.committed === 1n, 5000, 'commit');
    assert.equal(sink.status().malformedAcks, 2);
    assert.equal(sink.status().inFlight, 0);
    assert.equal(sink.status().lastAckSeq, '1');
  } finally {
    await sink?.stop(0);
    router.close();
    await log.close();
    cleanup();
  }
});

test('the window bounds messages in flight', async () => {
  const { dir, cleanup } = tempDir('lowband-rel-');
  const router = new Router({ linger: 0 });
  const log = new MemoryLog();
  let sink: ReliableSink | undefined;
  try {
    await router.bind(`ipc://${path.join(dir, 'r.sock')}`);
    sink = new ReliableSink({ connect: router.lastEndpoint!, window: 5, ackTimeoutMs: 60_000 });
    await sink.start(log.openCursor('reliable', OPEN_LIMITS));
    for (let i = 1n; i <= 20n; i++) log.append(message(i));
    let id: Buffer | undefined;
    for (let i = 1n; i <= 5n; i++) {
      const [peer, ...frames] = await router.receive();
      id = peer;
      assert.equal(decodeFrames(frames).seq, i);
    }
    assert.equal(sink.status().inFlight, 5);
    const ack = Buffer.alloc(8);
    ack.writeBigUInt64BE(3n);
    await router.send([id!, 'ACK', ack]);
    for (let i = 6n; i <= 8n; i++) assert.equal(decodeFrames((await router.receive()).slice(1)).seq, i);
    await until(() => sink!.status().inFlight === 5, 5000, 'window refilled');
    assert.equal(sink.status().cursor, '3');
  } finally {
    await sink?.stop(0);
    router.close();
    await log.close();
    cleanup();
  }
});

/** Run test/reliable/sender-child.ts; its JSON lines go to `lines`. */
function startChild(args: string[], lines: Record<string, string>[]): ChildProcess {
  const script = path.join(__dirname, `sender-child${path.extname(__filename)}`);
  const execArgv = __filename.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...execArgv, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  readline.createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l) as Record<string, string>);
    } catch {
      // not ours
    }
  });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

test('kill -9 of the gateway mid-stream, restart: nothing acknowledged is lost and replays are flagged', async () => {
  const { dir, cleanup } = tempDir('lowband-rel-');
  const endpoint = `ipc://${path.join(dir, 'backend.sock')}`;
  const spoolDir = path.join(dir, 'spool');
  const seen = new Seen();
  let backend = collector(endpoint, seen);
  const children: ChildProcess[] = [];
  try {
    await backend.start();
    const run1: Record<string, string>[] = [];
    const c1 = startChild([spoolDir, endpoint, '3000', '25'], run1);
    children.push(c1);
    await until(() => seen.copies.size >= 300, 20_000, 'first run delivering');
    // Backend away while the gateway keeps receiving: an unacknowledged backlog builds on disk.
    await backend.stop();
    await until(() => run1.some((l) => l.appended === '3000'), 20_000, 'first run appended everything');
    const persisted = (): bigint => {
      try {
        return BigInt((JSON.parse(fs.readFileSync(path.join(spoolDir, 'cursors.json'), 'utf8')) as { cursors: Record<string, string> }).cursors.reliable ?? '0');
      } catch {
        return 0n;
      }
    };
    await until(() => persisted() > 0n, 20_000, 'a commit persisted by the group-commit timer');
    const lastAcked = (): bigint => BigInt(run1.filter((l) => l.acked !== undefined).at(-1)?.acked ?? '0');
    await until(() => lastAcked() >= persisted(), 20_000, 'progress report caught up');
    const acked1 = lastAcked();
    c1.kill('SIGKILL');
    await exited(c1);
    assert.ok(acked1 < 3000n, 'the crash left messages unacknowledged');

    backend = collector(endpoint, seen);
    await backend.start();
    const run2: Record<string, string>[] = [];
    const c2 = startChild([spoolDir, endpoint, '200', '50'], run2);
    children.push(c2);
    await until(() => run2.length > 0, 20_000, 'second run started');
    const start = run2[0];
    assert.equal(start.lastSeq, '3000', 'every appended message survived the crash');
    // Commits are persisted on the group-commit timer: the cursor may resume a little before the last ack (duplicates), never after it.
    assert.ok(BigInt(start.committed) <= acked1, 'the cursor never skips what was not acknowledged');
    assert.ok(BigInt(start.committed) > 0n, 'commits were persisted');
    assert.equal(start.replayUntil, '3000');
    await until(() => run2.some((l) => l.acked === '3200'), 20_000, 'second run acknowledged');
    assert.ok(seen.hasAll(1n, 3200n), 'every message reached a backend at least once');
    // What the second run replayed from the spool is flagged; what it appended fresh is not.
    const replayedFrom = BigInt(start.committed) + 1n;
    for (let s = replayedFrom; s <= 3000n; s++) assert.ok(seen.flagged.has(s), `seq ${s} replayed with the redelivery flag`);
    assert.ok(replayedFrom <= 3000n, 'there was something to replay');
    c2.kill('SIGTERM');
    await exited(c2);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await backend.stop();
    cleanup();
  }
});

test('the independent Python backend (docs/examples/collector.py) acknowledges and de-duplicates', async () => {
  const { dir, cleanup } = tempDir('lowband-rel-');
  const endpoint = `ipc://${path.join(dir, 'py.sock')}`;
  // From test/reliable (tsx) or dist/test/reliable (compiled).
  const script = path.join(REPO, 'docs', 'examples', 'collector.py');
  const py = spawn('/usr/bin/python3', [script, '--bind', endpoint, '--gap-ms', '300'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Record<string, unknown>[] = [];
  readline.createInterface({ input: py.stdout! }).on('line', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  const spool = new Spool({ dir: path.join(dir, 'spool'), maxBytes: 4 << 20, fsyncMs: 10, segmentBytes: 256 << 10 });
  const sink = new ReliableSink({ connect: endpoint, window: 50, ackTimeoutMs: 200, reconnectIntervalMs: 20, reconnectMaxIntervalMs: 100 });
  try {
    await until(() => lines.some((l) => l.listening), 10_000, 'python collector listening');
    await spool.open();
    const cursor = spool.openCursor('reliable', OPEN_LIMITS);
    await sink.start(cursor);
    for (let i = 1n; i <= 500n; i++) spool.append(message(i));
    await until(() => cursor.committed === 500n, 20_000, 'python acks');
    // Force duplicates: replay the acknowledged messages through a second sink.
    const again = new ReliableSink({ connect: endpoint, window: 50, ackTimeoutMs: 200 });
    const c2 = spool.openCursor('again', OPEN_LIMITS);
    await again.start(c2);
    await until(() => c2.committed === 500n, 20_000, 'python acks the duplicates');
    await again.stop(0);
    const unique = lines.filter((l) => l.key !== undefined);
    assert.equal(unique.length, 500);
    assert.equal(new Set(unique.map((l) => l.key)).size, 500);
  } finally {
    await sink.stop(0);
    await spool.close();
    py.kill('SIGTERM');
    await exited(py);
    cleanup();
  }
});

test('stop() returns promptly while the backend was never there', async () => {
  const { dir, cleanup } = tempDir('lowband-rel-');
  const log = new MemoryLog();
  const sink = new ReliableSink({ connect: `ipc://${path.join(dir, 'nobody.sock')}`, window: 10, ackTimeoutMs: 100, lingerMs: 100 });
  try {
    const cursor = log.openCursor('reliable', OPEN_LIMITS);
    await sink.start(cursor);
    for (let i = 1n; i <= 5n; i++) log.append(message(i));
    await until(() => sink.status().inFlight === 1, 5000, 'first send blocked on the absent peer');
    const t0 = Date.now();
    await sink.stop(200);
    assert.ok(Date.now() - t0 < 5000, 'stop did not hang');
    assert.equal(sink.status().state, 'stopped');
    assert.equal(cursor.committed, 0n, 'nothing committed without an ack');
  } finally {
    await log.close();
    cleanup();
  }
});

test('CURVE: the sink talks to a CURVE collector with the keys it is given', async () => {
  const { dir, cleanup } = tempDir('lowband-rel-');
  const server = curveKeyPair();
  const client = curveKeyPair();
  const seen = new Seen();
  const backend = new Collector({
    bind: `ipc://${path.join(dir, 'curve.sock')}`,
    socketOptions: (s) => {
      s.curveServer = true;
      s.curveSecretKey = server.secretKey;
    },
    onMessage: (m) => seen.add(m),
  });
  const log = new MemoryLog();
  let hooked = false;
  let sink: ReliableSink | undefined;
  try {
    const endpoint = await backend.start();
    sink = new ReliableSink({
      connect: endpoint,
      window: 10,
      ackTimeoutMs: 1000,
      curveServerKey: server.publicKey,
      curvePublicKey: client.publicKey,
      curveSecretKey: client.secretKey,
      socketOptions: (s) => {
        hooked = s.securityMechanism === 'curve';
      },
    });
    const cursor = log.openCursor('reliable', OPEN_LIMITS);
    await sink.start(cursor);
    for (let i = 1n; i <= 20n; i++) log.append(message(i));
    await until(() => cursor.committed === 20n, 10_000, 'acks over CURVE');
    assert.ok(hooked, 'socketOptions hook saw a CURVE socket');
    assert.ok(seen.hasAll(1n, 20n));
  } finally {
    await sink?.stop(0);
    await backend.stop();
    await log.close();
    cleanup();
  }
});

test('heartbeats detect a frozen backend (SIGSTOP); after SIGCONT everything is delivered', async () => {
  const { dir, cleanup } = tempDir('lowband-rel-');
  const endpoint = `ipc://${path.join(dir, 'py.sock')}`;
  const script = path.join(REPO, 'docs', 'examples', 'collector.py');
  const py = spawn('/usr/bin/python3', [script, '--bind', endpoint, '--gap-ms', '300'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Record<string, unknown>[] = [];
  readline.createInterface({ input: py.stdout! }).on('line', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  const log = new MemoryLog();
  const sink = new ReliableSink({ connect: endpoint, window: 20, ackTimeoutMs: 250, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 400, reconnectIntervalMs: 50, reconnectMaxIntervalMs: 200 });
  try {
    await until(() => lines.some((l) => l.listening), 10_000, 'python collector listening');
    const cursor = log.openCursor('reliable', OPEN_LIMITS);
    await sink.start(cursor);
    for (let i = 1n; i <= 10n; i++) log.append(message(i));
    await until(() => cursor.committed === 10n, 10_000, 'first acks');
    py.kill('SIGSTOP');
    for (let i = 11n; i <= 30n; i++) log.append(message(i));
    await until(() => sink.status().state === 'disconnected', 10_000, 'dead peer detected by heartbeat');
    assert.ok(cursor.committed < 30n);
    py.kill('SIGCONT');
    await until(() => cursor.committed === 30n, 20_000, 'delivered after the backend thawed');
    const keys = new Set(lines.filter((l) => l.key !== undefined).map((l) => l.key));
    assert.equal(keys.size, 30);
  } finally {
    await sink.stop(0);
    await log.close();
    py.kill('SIGCONT');
    py.kill('SIGTERM');
    await exited(py);
    cleanup();
  }
});
