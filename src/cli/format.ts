import type { WireMessage } from '../wire/message';

const RADIO = ['sys', 'lora', 'ble'];

function plain(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** One message as a JSON-safe object (bytes as hex, seq as a number when it fits). */
export function messageToJson(m: WireMessage): Record<string, unknown> {
  return {
    topic: m.topic,
    kind: m.kind,
    radio: RADIO[m.radio] ?? m.radio,
    flags: { decoded: (m.flags & 1) !== 0, authenticated: (m.flags & 2) !== 0, redelivery: (m.flags & 4) !== 0 },
    seq: plain(m.seq),
    time: new Date(Number(m.timeUs / 1000n)).toISOString(),
    key: m.key.toString('hex'),
    body: plain(m.body),
  };
}

/** One human-readable line: time, seq, topic, radio facts, decoded fields. */
export function messageToLine(m: WireMessage): string {
  const b = m.body;
  const t = new Date(Number(m.timeUs / 1000n)).toISOString().slice(11, 23);
  const parts = [t, `#${m.seq}`, m.topic.padEnd(16)];
  if (typeof b.name === 'string') parts.push(`"${b.name}"`);
  if (typeof b.src === 'string') parts.push(b.src);
  if (typeof b.rssi === 'number') parts.push(`rssi=${b.rssi}`);
  if (typeof b.snr === 'number') parts.push(`snr=${b.snr}`);
  if (typeof b.fmt === 'string') parts.push(`[${b.fmt}]`);
  const fields = b.fields && typeof b.fields === 'object' ? (b.fields as Record<string, unknown>) : undefined;
  if (fields) for (const [k, v] of Object.entries(fields)) parts.push(`${k}=${typeof v === 'number' ? +v.toFixed(3) : String(v)}`);
  else if (Buffer.isBuffer(b.raw)) parts.push(`raw=${b.raw.toString('hex').slice(0, 48)}${b.raw.length > 24 ? '…' : ''}`);
  if (m.kind === 2) {
    const rest = Object.entries(b).filter(([k]) => !['gw', 'dev', 'src'].includes(k));
    parts.push(JSON.stringify(plain(Object.fromEntries(rest))));
  }
  if (m.flags & 4) parts.push('(redelivery)');
  parts.push(`key=${m.key.toString('hex').slice(0, 8)}`);
  return parts.join(' ');
}

/** A byte count the way the config writes it: `64MiB`, `512KiB`, `1.5GiB`, `1000 B`. */
export function sizeText(n: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (n >= size) return `${+(n / size).toFixed(1)}${unit}`;
  }
  return `${n} B`;
}

/** Milliseconds the way a person writes them: `200 ms`, `5 s`, `2 min`, `1 h`. */
export function msText(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
