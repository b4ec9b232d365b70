import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { sep } from 'node:path';
import type { Document, LineCounter, Pair } from 'yaml';
import { configSchema, type Config } from './schema';
import { collect, ConfigError, ConfigErrors, UnknownKeyError } from './validate';

export { ConfigError, ConfigErrors } from './validate';
export type { Config } from './schema';

/** Default config path (contract). */
export const DEFAULT_CONFIG_PATH = '/etc/lowband/lowband.yaml';

/**
 * Parse and validate YAML text. Every problem is reported at once: throws ConfigErrors whose
 * lines read `source:line:col: key.path: expected ..., got ...` (YAML syntax errors included).
 */
export function parseConfig(text: string, source = 'config'): Config {
  const yaml = loadYaml();
  try {
    return parseWith(yaml, text, source);
  } finally {
    forgetYaml();
  }
}

type Yaml = typeof import('yaml');

/**
 * The YAML library is needed while a config is parsed (at start, on `check`, on reload) and never
 * after: a running gateway would keep its ~70 modules (about 1 MB of heap) for nothing. It is
 * required here and dropped from the module cache once the parse is done; the next parse loads
 * it again.
 */
function loadYaml(): Yaml {
  return require('yaml') as Yaml;
}

const YAML_DIR = `${sep}node_modules${sep}yaml${sep}`;

/** Unreachable once no cache entry and no `children` list of this module names its files. */
function forgetYaml(): void {
  for (const file of Object.keys(require.cache)) if (file.includes(YAML_DIR)) delete require.cache[file];
  module.children = module.children.filter((m) => !m.filename.includes(YAML_DIR));
}

function parseWith({ isMap, isScalar, isSeq, LineCounter, parseDocument }: Yaml, text: string, source: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => new ConfigError('', undefined, 'valid YAML', `not valid YAML: ${e.message.split('\n')[0]}`));
    const lines = doc.errors.map((e, i) => {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      return `${source}:${line}:${col}: ${errors[i].message}`;
    });
    throw new ConfigErrors(errors, lines);
  }
  const errors: ConfigError[] = [];
  const cfg = collect(errors, () => {
    let raw: unknown;
    try {
      raw = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // An alias bomb ("billion laughs") is refused by the yaml library: a config error, not a crash.
      throw new ConfigError('', undefined, 'valid YAML', `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    const c = configSchema(raw ?? {}, '');
    checkCrossKeys(c, errors);
    return c;
  });
  if (errors.length > 0 || cfg === undefined) {
    // In file order, as a person fixes them.
    const found = errors.map((e) => ({ e, ...located({ isMap, isScalar, isSeq }, e, doc, lineCounter) })).sort((a, b) => a.line - b.line || a.col - b.col);
    throw new ConfigErrors(found.map((f) => f.e), found.map((f) => `${source}:${f.line}:${f.col}: ${f.e.message}`));
  }
  return cfg;
}

/** Line and column of the node the error's key path names (or of its nearest parent). */
function located(y: NodeTests, err: ConfigError, doc: Document, lc: LineCounter): { line: number; col: number } {
  const offset = offsetOf(y, doc, err.path, err instanceof UnknownKeyError);
  return offset === undefined ? { line: 1, col: 1 } : lc.linePos(offset);
}

/** Where `a.b[2].c` starts in the document: the value (or the key itself for an unknown key). */
type NodeTests = Pick<Yaml, 'isMap' | 'isScalar' | 'isSeq'>;

function offsetOf({ isMap, isScalar, isSeq }: NodeTests, doc: Document, path: string, atKey: boolean): number | undefined {
  let node: unknown = doc.contents;
  let at: number | undefined = (node as { range?: number[] } | null)?.range?.[0];
  let rest = path;
  while (rest !== '') {
    const index = /^\[(\d+)\]\.?/.exec(rest);
    if (index && isSeq(node)) {
      node = node.items[Number(index[1])];
      if (!node) break;
      rest = rest.slice(index[0].length);
    } else if (isMap(node)) {
      // Longest key that starts the rest of the path: keys may themselves hold dots.
      let hit: { pair: Pair; key: string } | undefined;
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const ends = rest === key || rest.startsWith(key + '.') || rest.startsWith(key + '[');
        if (ends && (!hit || key.length > hit.key.length)) hit = { pair, key };
      }
      if (!hit) break;
      rest = rest.slice(hit.key.length).replace(/^\./, '');
      if (rest === '' && (atKey || hit.pair.value === null)) node = hit.pair.key;
      else node = hit.pair.value ?? hit.pair.key;
    } else {
      break;
    }
    at = (node as { range?: number[] } | null)?.range?.[0] ?? at;
  }
  return at;
}

/** Read, parse and validate a config file. */
export function loadConfig(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(path, undefined, `a readable config file (${code})`);
  }
  return parseConfig(text, path);
}

/** Rules that span several keys; each broken rule is added to `errors`. */
function checkCrossKeys(cfg: Config, errors: ConfigError[]): void {
  const seen = new Set<string>();
  const names: [string, string][] = [
    ...cfg.lora.map((l, i) => [l.name, `lora[${i}].name`] as [string, string]),
    ...cfg.udp.map((u, i) => [u.name, `udp[${i}].name`] as [string, string]),
  ];
  for (const [n, path] of names) {
    if (seen.has(n)) errors.push(new ConfigError(path, n, 'a name not used by another adapter'));
    seen.add(n);
  }
  const addrs = new Set<string>();
  cfg.lorawan.devices.forEach((d, i) => {
    if (addrs.has(d.devaddr)) errors.push(new ConfigError(`lorawan.devices[${i}].devaddr`, d.devaddr, 'a devaddr listed once'));
    addrs.add(d.devaddr);
  });
}

/** Gateway id: configured, else the host name (lowercased, made topic-safe). */
export function gatewayId(cfg: Config, host = hostname()): string {
  if (cfg.gateway.id) return cfg.gateway.id;
  // One subject token (GATEWAY_ID): a dotted FQDN like pi.farm.lan becomes pi-farm-lan.
  const h = host.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 64);
  return h || 'lowband';
}
