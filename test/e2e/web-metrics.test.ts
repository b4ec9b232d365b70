import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { GatewayStatus } from '../../src/control/protocol';
import { cliArgs, REPO } from '../helpers/paths';
import { until } from '../helpers/processes';
import { FakeForwarder, udpPortFromStatus } from '../helpers/semtech';
import { runWebGateway } from '../web/gateway';

// /metrics of a running gateway, parsed by Python's prometheus_client (an independent parser),
// cross-checked number by number against /api/status, which is checked against
// `lowband status --json`. Every metric family is documented in docs/metrics.md.

interface Sample { family: string; type: string; name: string; labels: Record<string, string>; value: number | string }

const PARSE = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    for s in f.samples:
        v = s.value if math.isfinite(s.value) else str(s.value)
        out.append({"family": f.name, "type": f.type, "name": s.name, "labels": s.labels, "value": v})
print(json.dumps(out))
`;

function parseMetrics(text: string): Sample[] {
  const r = spawnSync('/usr/bin/python3', ['-c', PARSE], { input: text, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `prometheus_client could not parse /metrics: ${r.stderr}`);
  return JSON.parse(r.stdout) as Sample[];
}

/** The status without what moves by itself (clocks, rates, the asking connection itself). */
function stable(s: GatewayStatus): unknown {
  const { uptimeS: _u, readings, adapters, sinks, control, ...rest } = s;
  const { connections: _c, ...controlFigures } = control ?? { connections: 0 };
  return {
    ...rest,
    control: controlFigures,
    total: readings.total,
    adapters: adapters.map(({ lastHeardUs: _l, detail: _d, ...a }) => a),
    sinks: sinks.map((k) => ({ name: k.name, state: k.state, cursor: k.cursor, inFlight: k.inFlight, backlog: k.backlog, drops: k.drops })),
  };
}

test('/metrics parses with prometheus_client and agrees with /api/status and lowband status --json', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-metrics-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { cfg, url } = await runWebGateway(t, dir, {
    udp: [{ name: 'udp0', bind: '127.0.0.1:0' }],
    upstream: {
      publish: { bind: [`ipc://${join(dir, 'pub.sock')}`] },
      // Nobody listens: the reliable sink's spool backlog and lag stay, and can be checked.
      reliable: { connect: `ipc://${join(dir, 'nobody.sock')}`, window: 5, ack_timeout_ms: 60_000 },
    },
    spool: { fsync_ms: 10 },
  });
  const get = async (path: string) => {
    const r = await fetch(url + path);
    assert.equal(r.status, 200, path);
    return r;
  };
  const status = async () => (await (await get('/api/status')).json()) as GatewayStatus;
  const port = await until('udp port', async () => udpPortFromStatus(await status(), 'udp0'));
  const fwd = new FakeForwarder(port);
  t.after(() => fwd.close());
  for (let i = 0; i < 3; i++) await fwd.push(Array.from({ length: 10 }, (_, j) => Buffer.from(`metrics-${i}-${j}`)));
  await fwd.push([Buffer.from('metrics-0-0')]); // heard again: a pipeline drop (duplicate)
  const garbage = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => garbage.send(Buffer.from('not a semtech datagram'), port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  garbage.close();
  await until('30 readings, the duplicate and the garbage counted', async () => {
    const s = await status();
    const a = s.adapters.find((x) => x.name === 'udp0')!;
    return s.readings.total === 30 && (s.drops.duplicate ?? 0) >= 1 && Object.keys(a.drops).length > 0 ? s : undefined;
  });

  // A snapshot between two equal statuses: nothing moved while /metrics was taken.
  const { before, samples } = await until('a quiet moment', async () => {
    const s1 = await status();
    const text = await (await get('/metrics')).text();
    const s2 = await status();
    return JSON.stringify(stable(s1)) === JSON.stringify(stable(s2)) ? { before: s1, samples: parseMetrics(text) } : undefined;
  });
  const cli = spawnSync(process.execPath, cliArgs('status', '--json', '--config', cfg.path), { encoding: 'utf8', timeout: 30_000 });
  assert.equal(cli.status, 0, cli.stderr);
  assert.deepEqual(stable(JSON.parse(cli.stdout)), stable(before), '/api/status is the document of lowband status --json');

  for (const s of samples) assert.match(s.name, /^lowband_/, s.name);
  const one = (name: string, labels: Record<string, string> = {}) => {
    const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length);
    assert.equal(hits.length, 1, `${name}${JSON.stringify(labels)}: ${hits.length} samples`);
    return hits[0].value;
  };
  const typeOf = (family: string) => samples.find((s) => s.family === family)?.type;
  assert.equal(typeOf('lowband_readings'), 'counter');
  assert.equal(typeOf('lowband_drops'), 'counter');
  for (const g of ['lowband_queue_messages', 'lowband_spool_bytes', 'lowband_sink_lag_messages']) assert.equal(typeOf(g), 'gauge', g);

  // Readings by radio and adapter add up to the status total.
  assert.equal(one('lowband_readings_total', { radio: 'lora', src: 'udp0' }), before.readings.total);
  assert.equal(samples.filter((s) => s.name === 'lowband_readings_total').reduce((a, s) => a + Number(s.value), 0), before.readings.total);
  assert.equal(one('lowband_seq'), Number(before.seq));
  assert.equal(one('lowband_info', { version: before.version, gateway: before.gateway }), 1);
  // Every drop in the status is a sample, with its stage and place.
  for (const [cause, n] of Object.entries(before.drops)) assert.equal(one('lowband_drops_total', { stage: 'pipeline', cause }), n);
  for (const a of before.adapters) {
    for (const [cause, n] of Object.entries(a.drops)) assert.equal(one('lowband_drops_total', { stage: 'adapter', adapter: a.name, cause }), n);
    assert.equal(one('lowband_adapter_received_total', { adapter: a.name, kind: a.kind }), a.received);
    assert.equal(one('lowband_adapter_state', { adapter: a.name, kind: a.kind, state: a.state }), 1);
  }
  assert.ok(samples.some((s) => s.name === 'lowband_drops_total' && s.labels.stage === 'adapter' && s.labels.adapter === 'udp0'), 'the garbage datagram is a counted drop');
  assert.equal(before.sinks.length, 2);
  for (const k of before.sinks) {
    for (const [cause, n] of Object.entries(k.drops)) assert.equal(one('lowband_drops_total', { stage: 'sink', sink: k.name, cause }), n);
    assert.equal(one('lowband_queue_messages', { sink: k.name }), k.backlog.messages);
    assert.equal(one('lowband_queue_bytes', { sink: k.name }), k.backlog.bytes);
    assert.equal(one('lowband_sink_in_flight', { sink: k.name }), k.inFlight);
    assert.equal(one('lowband_sink_lag_messages', { sink: k.name }), k.backlog.messages + k.inFlight);
    assert.equal(one('lowband_sink_cursor', { sink: k.name }), Number(k.cursor));
    assert.equal(one('lowband_sink_state', { sink: k.name, kind: k.kind, state: k.state }), 1);
  }
  const reliable = before.sinks.find((k) => k.kind === 'reliable')!;
  assert.ok(reliable.backlog.messages + reliable.inFlight > 0, 'the reliable sink lags: nobody acknowledges');
  assert.ok(Number(before.spool!.bytes) > 0);
  assert.equal(one('lowband_spool_bytes'), before.spool!.bytes);
  assert.equal(one('lowband_spool_max_bytes'), before.spool!.maxBytes);
  for (const [decoder, counters] of Object.entries(before.decoders ?? {})) {
    for (const [result, n] of Object.entries(counters)) assert.equal(one('lowband_decoder_frames_total', { decoder, result }), n);
  }

  // Every family is documented.
  const docs = readFileSync(join(REPO, 'docs', 'metrics.md'), 'utf8');
  const families = new Map(samples.map((s) => [s.family, s.type]));
  for (const [family, type] of families) {
    const name = type === 'counter' ? `${family}_total` : family;
    assert.ok(docs.includes(`\`${name}\``), `docs/metrics.md documents ${name}`);
  }
});
