import { controlTarget } from '../control-target';
import { callFromCli } from '../../control/client';
import type { GatewayStatus } from '../../control/protocol';
import { controlOptions, parseCommand } from '../args';
import { adapterPlace, countsText, explainedLines } from '../counter-words';

const USAGE = 'usage: lowband status [--json] [--config P] [--socket PATH]';

/** `lowband status`: what the running gateway is doing, as tables or as JSON (docs/status.md). */
export async function run(argv: string[]): Promise<number> {
  const p = parseCommand('status', USAGE, argv, { ...controlOptions, json: { type: 'boolean' } });
  if (typeof p === 'number') return p;
  const r = await callFromCli(controlTarget(p.values), 'status', {}, 5000);
  if ('exit' in r) return r.exit;
  const s = r.result as GatewayStatus;
  process.stdout.write(p.values.json ? JSON.stringify(s, null, 2) + '\n' : formatStatus(s, Date.now()));
  return 0;
}

/** One indented table of a status section, or what to say when it has no rows. */
function section(none: string, headers: string[], rows: string[][]): string {
  return rows.length === 0 ? `  ${none}\n` : table(headers, rows, '  ');
}

/** The human form of a status snapshot; `nowMs` makes "last heard" ages testable. */
export function formatStatus(s: GatewayStatus, nowMs: number): string {
  const out: string[] = [];
  out.push(
    `lowband ${s.version}  gateway ${s.gateway}  pid ${s.pid}  up ${duration(s.uptimeS)}  seq ${s.seq}`,
    `readings: ${s.readings.total} total, ${s.readings.perSecond.toFixed(1)}/s, dropped ${total(s.drops)}`,
    '',
  );
  out.push(
    'ADAPTERS',
    section('(none configured)', ['NAME', 'KIND', 'STATE', 'LAST HEARD', 'RECEIVED', 'DROPS', 'DETAIL'], s.adapters.map((a) => [
      a.name,
      a.kind,
      a.state,
      a.lastHeardUs === undefined ? 'never' : ago(a.lastHeardUs / 1000, nowMs),
      String(a.received),
      drops(a.drops),
      a.detail ?? '',
    ])),
  );
  out.push(
    'SINKS',
    section('(none)', ['NAME', 'KIND', 'STATE', 'CURSOR', 'IN FLIGHT', 'BACKLOG', 'DROPS'], s.sinks.map((k) => [
      k.name,
      k.kind,
      k.state,
      k.cursor,
      String(k.inFlight),
      `${k.backlog.messages} msg / ${bytes(k.backlog.bytes)}`,
      drops(k.drops),
    ])),
  );
  // NATS: how many readings another gateway (or a resend) had already put in the stream, and refusals.
  for (const k of s.sinks.filter((x) => x.kind === 'nats')) {
    const errs = k.errors && typeof k.errors === 'object' ? drops(k.errors as Record<string, number>) : '';
    out.push(`  ${k.name}: stream ${String(k.stream)} via ${String(k.server ?? '-')}, ${Number(k.duplicates ?? 0)} duplicates (stored already by another gateway or a resend)${errs && errs !== '0' ? `, errors ${errs}` : ''}\n`);
  }
  const curve = s.sinks.find((k) => k.kind === 'publish')?.curve as { allowed?: number; refused?: number; allowList?: { keys: number; loadedAt: string } } | undefined;
  if (curve?.allowList) {
    const l = curve.allowList;
    out.push(`CURVE\n  allow-list ${l.keys} keys, loaded ${ago(Date.parse(l.loadedAt), nowMs)}  handshakes allowed=${curve.allowed ?? 0} refused=${curve.refused ?? 0}\n`);
  }
  if (s.spool && Object.keys(s.spool).length) {
    out.push('SPOOL');
    out.push(
      '  ' +
        Object.entries(s.spool)
          .map(([k, v]) => `${k}=${/bytes/i.test(k) && typeof v === 'number' ? bytes(v) : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
          .join('  ') +
        '\n',
    );
  }
  const dropLines = [
    ...explainedLines('gateway', s.drops, '  gateway '),
    ...s.adapters.flatMap((a) => explainedLines(adapterPlace(a.kind), a.drops, `  ${a.name} `)),
    ...s.sinks.flatMap((k) => explainedLines('sink', k.drops, `  ${k.name} `)),
  ];
  if (dropLines.length > 0) out.push(`DROPS (what each counter counts)\n${dropLines.join('\n')}\n`);
  const decoders = Object.entries(s.decoders ?? {}).filter(([, c]) => Object.values(c).some((n) => n > 0));
  if (decoders.length > 0) {
    out.push('DECODERS');
    out.push(decoders.map(([name, c]) => `  ${name}: ${countsText(c)}\n${explainedLines(name, c, '    ').join('\n')}\n`).join(''));
  }
  out.push(s.alarms.length ? 'ALARMS\n' + s.alarms.map((a) => `  ! ${a}\n`).join('') : 'alarms: none\n');
  return out.join('\n');
}

/** Left-aligned columns separated by two spaces, each row prefixed by `indent`. */
export function table(head: string[], rows: string[][], indent = ''): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  ').trimEnd() + '\n';
  return line(head) + rows.map(line).join('');
}

/** `12s ago`, `3m ago`, `2h ago`, `4d ago`. */
export function ago(thenMs: number, nowMs: number): string {
  if (!Number.isFinite(thenMs)) return '?';
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  return `${duration(s)} ago`;
}

/** Seconds as the one or two largest units: `45s`, `3m12s`, `5h02m`, `2d03h`. */
export function duration(totalS: number): string {
  const s = Math.floor(totalS);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

/** A table cell: `duplicate 88, hwm 2` (explained under DROPS), or `0`. */
function drops(d: Record<string, number>): string {
  const t = countsText(d);
  return t === 'none' ? '0' : t;
}

function total(d: Record<string, number>): number {
  return Object.values(d).reduce((a, n) => a + n, 0);
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
