/**
 * `lowband decode ble` throughput: 10,000 OpenMQTTGateway-shaped advert lines of every decoded
 * family plus undecodable ones, through decodeBleLine (JSON in, JSON out), best of 9 passes.
 * Baseline in the same run: the same lines through the decoders as they were before issue 11
 * (commit BASE_REF, extracted with `git archive` into a temp dir; both run in one child process,
 * passes interleaved), on the whole file and on the adverts the old decoders decode too;
 * BLE_BENCH_BASELINE=<dir holding src/> uses another tree, BLE_BENCH_BASELINE=none skips it.
 * Run: `npx tsx bench/decode-ble.ts` (or via the bench runner).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeBleLine } from '../src/radios/ble/decode-ble';

/** The last commit before the issue 11 decoders. */
const BASE_REF = 'daec7650f96aebcf086882c11e14e53c32adfd66';
const N = 10_000;

// One advert per family and shape (and adverts no decoder claims: Apple continuity, Microsoft
// CDP, random service data), cycled; the id varies so nothing is cached by input.
const TEMPLATES: Record<string, string>[] = [
  { servicedata: '4002ca0903bf13', servicedatauuid: '0xfcd2' },
  { servicedata: '400009015d025d0903b718', servicedatauuid: '0xfcd2' },
  { servicedata: '2302ca090303bf13', servicedatauuid: '0x181c' },
  { servicedata: 'a4c138d5d49800e63e5a0b8607', servicedatauuid: '0x181a' },
  { servicedata: '98d4d538c1a4fc088813b80b640105', servicedatauuid: '0x181a' },
  { manufacturerdata: '99040512fc5394c37c0004fffc040cac364200cdcbb8334c884f' },
  { manufacturerdata: '9904' + '03291a1ece1efc18f94202ca0b53' },
  { servicedata: '5020aa0111' + '22110038c1a4' + '0d1004e400a201', servicedatauuid: '0xfe95' },
  { servicedata: '0807' + '22110038c1a4' + '0104dc009001' + '020150', servicedatauuid: '0xfdcd' },
  { name: 'GVH5075_1A2B', manufacturerdata: '88ec00034d855a00' },
  { name: 'GVH5101_8F2A', manufacturerdata: '01000101030779' + '5f' },
  { servicedata: '540064059733', servicedatauuid: '0x0d00' },
  { servicedata: '770064', servicedatauuid: '0xfd3d', manufacturerdata: '6909aabbccddeeff0500030550' + '00' },
  { name: 'sps', manufacturerdata: '38094c1d00a1b25008' },
  { name: 'TP357 (2B54)', manufacturerdata: 'c2e1002f2c02' },
  { name: 'SensorPush HT.w 0CA1', manufacturerdata: '04e8819947' },
  { manufacturerdata: '5900035a3ce8c3001122a0b0' },
  { name: 'Aranet4 1A2B3', manufacturerdata: '020722130c0100000f012003cc0194272d55013c00100005' },
  { manufacturerdata: '3301176400' + '0e100000ea01c8' },
  { manufacturerdata: '1100000022110038c1a4b80b6801000300100000' },
  { manufacturerdata: '4c000215426c7565436861726d426561636f6e730efe1355c5' },
  { manufacturerdata: '4c001005011c0f0f0f' },
  { manufacturerdata: '060001092002a4c1ddcc7e2b1d7f3b3e80b4e1bc9c59d2ce7f' },
  { servicedata: '0102030405', servicedatauuid: '0xfe2c' },
];

/** The mixed input file, one JSON line per advert. */
export function mixedAdverts(n: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = TEMPLATES[i % TEMPLATES.length];
    const id = (0xa4c138000000 + i).toString(16).padStart(12, '0').match(/../g)!.join(':').toUpperCase();
    lines.push(JSON.stringify({ id, ...t, rssi: -40 - (i % 50) }));
  }
  return lines;
}

type Decode = (line: string) => string;

function pass(decode: Decode, lines: readonly string[]): { ns: number; decoded: number } {
  let decoded = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < lines.length; i++) if (decode(lines[i]).includes('"fields"')) decoded++;
  return { ns: Number(process.hrtime.bigint() - t0), decoded };
}

/**
 * Adverts per second of each decoder over `lines`, best of `rounds` passes taken in turn (one
 * pass of each, then again), so a busy machine slows every contender alike.
 */
export function compare(decoders: readonly Decode[], lines: readonly string[], rounds = 9): { perSec: number; decoded: number }[] {
  const best = decoders.map(() => Infinity);
  const decoded = decoders.map(() => 0);
  for (let r = 0; r <= rounds; r++) {
    decoders.forEach((d, k) => {
      const p = pass(d, lines);
      if (r > 0) best[k] = Math.min(best[k], p.ns); // round 0 warms the JIT up
      decoded[k] = p.decoded;
    });
  }
  return best.map((ns, k) => ({ perSec: (lines.length / ns) * 1e9, decoded: decoded[k] }));
}

/** The repository root (this file runs from bench/ with tsx, or from dist/bench/ compiled). */
function repoRoot(): string {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json')) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

function baselineDir(): string | undefined {
  const env = process.env.BLE_BENCH_BASELINE;
  if (env === 'none') return undefined;
  if (env) return env;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lowband-ble-base-'));
  try {
    const tar = execFileSync('git', ['archive', BASE_REF, 'src/radios/ble', 'src/core/reading.ts'], { cwd: repoRoot(), maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    return dir;
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined; // no git history here (a tarball install): the baseline is skipped
  }
}

interface Comparison {
  all: { perSec: number; decoded: number }[];
  same: { perSec: number; decoded: number }[];
  sameCount: number;
}

/**
 * Runs both trees in one child process (TypeScript via tsx), their passes interleaved: on the
 * whole file, and on the adverts the baseline decodes too (the cost of the same work).
 */
function compareWithBaseline(dir: string): Comparison | undefined {
  const entry = path.join(dir, 'src/radios/ble/decode-ble.ts');
  if (!fs.existsSync(entry)) return undefined;
  const root = repoRoot();
  const self = path.join(root, 'bench/decode-ble.ts');
  const current = path.join(root, 'src/radios/ble/decode-ble.ts');
  const script = `const b=require(${JSON.stringify(self)});const c=require(${JSON.stringify(current)}).decodeBleLine;` +
    `const d=require(${JSON.stringify(entry)}).decodeBleLine;const l=b.mixedAdverts(${N});` +
    `const s=l.filter((x)=>d(x).includes('"fields"'));` +
    `process.stdout.write(JSON.stringify({all:b.compare([c,d],l),same:b.compare([c,d],s),sameCount:s.length}));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout) as Comparison;
}

export async function main(): Promise<void> {
  const fmt = (v: number): string => Math.round(v).toLocaleString('en-US');
  const row = (label: string, r: { perSec: number }, extra = ''): string =>
    `  ${label.padEnd(34)} ${fmt(r.perSec).padStart(9)} adverts/s ${(1e9 / r.perSec).toFixed(0).padStart(7)} ns/advert${extra}`;
  console.log(`decode ble, ${fmt(N)} mixed adverts (${TEMPLATES.length} shapes), JSON line in and out, best of 9 interleaved passes`);
  const dir = baselineDir();
  const cmp = dir ? compareWithBaseline(dir) : undefined;
  if (dir && !process.env.BLE_BENCH_BASELINE) fs.rmSync(dir, { recursive: true, force: true });
  if (!cmp) {
    const [cur] = compare([(l) => decodeBleLine(l)], mixedAdverts(N));
    console.log(row('lowband decode ble', cur, `   decoded ${cur.decoded}/${N}`));
    console.log('  baseline (before issue 11)         skipped (no git history or tsx)');
    return;
  }
  const [cur, base] = cmp.all;
  const [sameCur, sameBase] = cmp.same;
  console.log(row('lowband decode ble', cur, `   decoded ${cur.decoded}/${N}`));
  console.log(row('baseline (before issue 11)', base, `   decoded ${base.decoded}/${N}`));
  console.log(row(`same ${cmp.sameCount} adverts, now`, sameCur));
  console.log(row(`same ${cmp.sameCount} adverts, baseline`, sameBase));
  console.log(`  per-advert cost vs baseline        ${((sameBase.perSec / sameCur.perSec) * 100).toFixed(0)} % on the adverts both decode; ` +
    `${((base.perSec / cur.perSec) * 100).toFixed(0)} % on the whole file (more of it is decoded now)`);
}

if (require.main === module) void main();
