import type { ControlResponse, TrimmedList } from './protocol';

/** Objects with more keys than this are maps (EUI → figures), not records, and may be shortened. */
const MAP_KEYS = 32;

/** List lengths tried in turn until a reply fits its bound. */
const TOP_N = [20, 5, 1];

/**
 * Serialises a response within `maxBytes`: as it is when it fits, else with every long list
 * and map cut to its first N entries (producers put the most relevant first) and a `trimmed`
 * note saying what was cut; undefined when even that does not fit. The bound keeps one
 * request from making the gateway build and buffer replies of unbounded size.
 */
export function boundedLine(res: ControlResponse, maxBytes: number): { line: string; trimmed: boolean } | undefined {
  const line = JSON.stringify(res);
  if (Buffer.byteLength(line) <= maxBytes) return { line, trimmed: false };
  if (!res.ok) return undefined;
  for (const n of TOP_N) {
    const trimmed: TrimmedList[] = [];
    const result = trim(res.result, n, '$', trimmed);
    const short = JSON.stringify({ ...res, result, trimmed });
    if (Buffer.byteLength(short) <= maxBytes) return { line: short, trimmed: true };
  }
  return undefined;
}

function trim(v: unknown, n: number, path: string, out: TrimmedList[]): unknown {
  if (Array.isArray(v)) {
    if (v.length > n) out.push({ path, kept: n, omitted: v.length - n });
    return v.slice(0, n).map((x, i) => trim(x, n, `${path}[${i}]`, out));
  }
  if (v === null || typeof v !== 'object') return v;
  const entries = Object.entries(v as Record<string, unknown>);
  const keep = entries.length > MAP_KEYS ? n : entries.length;
  if (keep < entries.length) out.push({ path, kept: keep, omitted: entries.length - keep });
  const copy: Record<string, unknown> = {};
  for (const [k, x] of entries.slice(0, keep)) copy[k] = trim(x, n, `${path}.${k}`, out);
  return copy;
}
