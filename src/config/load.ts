import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseDocument } from 'yaml';
import { configSchema, type Config } from './schema';
import { ConfigError } from './validate';

export { ConfigError } from './validate';
export type { Config } from './schema';

/** Default config path (contract). */
export const DEFAULT_CONFIG_PATH = '/etc/lowband/lowband.yaml';

/** Parse and validate YAML text; throws ConfigError with a key path on any problem. */
export function parseConfig(text: string, source = 'config'): Config {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : 'somewhere';
    throw new ConfigError(`${source} (${where})`, undefined, `valid YAML: ${e.message.split('\n')[0]}`);
  }
  const raw = doc.toJS({ maxAliasCount: 100 }) as unknown;
  const cfg = configSchema(raw ?? {}, '');
  checkCrossKeys(cfg);
  return cfg;
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

/** Rules that span several keys. */
function checkCrossKeys(cfg: Config): void {
  const seen = new Set<string>();
  const names: [string, string][] = [
    ...cfg.lora.map((l, i) => [l.name, `lora[${i}].name`] as [string, string]),
    ...cfg.udp.map((u, i) => [u.name, `udp[${i}].name`] as [string, string]),
  ];
  for (const [n, path] of names) {
    if (seen.has(n)) throw new ConfigError(path, n, 'a name not used by another adapter');
    seen.add(n);
  }
  const addrs = new Set<string>();
  cfg.lorawan.devices.forEach((d, i) => {
    if (addrs.has(d.devaddr)) throw new ConfigError(`lorawan.devices[${i}].devaddr`, d.devaddr, 'a devaddr listed once');
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
