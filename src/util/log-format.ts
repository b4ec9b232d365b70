/**
 * One pino JSON log line as a person reads it: `21:50:03.123 WARN  serial port lost  port=/dev/ttyUSB0`.
 * Shared by the demo's logger and `lowband logs` (the journal's lines), so both read the same.
 */

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** pino's own fields, shown in the fixed part of the line (or not at all). */
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'v']);
const COLOUR: Record<string, string> = { TRACE: '90', DEBUG: '90', INFO: '32', WARN: '33', ERROR: '31', FATAL: '1;31' };
const paint = (on: boolean, code: string, s: string): string => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/** Options of the human form. */
export interface LogFormat {
  /** ANSI colours (a terminal). */
  colour?: boolean;
  /** Date in front of the time (the journal spans days; the demo does not). */
  date?: boolean;
}

/** Formats a parsed pino record; `undefined` when it is not one (no numeric level). */
export function formatLogRecord(o: Record<string, unknown>, f: LogFormat = {}): string | undefined {
  if (typeof o.level !== 'number') return undefined;
  const iso = new Date(typeof o.time === 'number' ? o.time : Date.now()).toISOString();
  const time = f.date ? `${iso.slice(0, 10)} ${iso.slice(11, 23)}` : iso.slice(11, 19);
  const level = LEVELS[o.level] ?? `L${o.level}`;
  const extra = Object.entries(o)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${paint(!!f.colour, '2', k + '=')}${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  const msg = typeof o.msg === 'string' ? o.msg : '';
  return `${paint(!!f.colour, '2', time)} ${paint(!!f.colour, COLOUR[level] ?? '0', level.padEnd(5))} ${msg}${extra ? '  ' + extra : ''}`;
}

/**
 * Formats one line of text: a JSON record, possibly after a prefix (`journalctl -o short` puts
 * `Dec 01 21:50:03 pi lowband[812]: ` first, kept as it is). Anything else is returned unchanged:
 * a reader of logs must never lose a line because it was not ours.
 */
export function formatLogLine(line: string, f: LogFormat = {}): string {
  const start = line.indexOf('{');
  if (start < 0 || !line.trimEnd().endsWith('}')) return line;
  try {
    const o = JSON.parse(line.slice(start)) as unknown;
    if (!o || typeof o !== 'object' || Array.isArray(o)) return line;
    const human = formatLogRecord(o as Record<string, unknown>, f);
    return human === undefined ? line : line.slice(0, start) + human;
  } catch {
    return line;
  }
}
