import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { formatMac, MODEL_ID, normaliseMac, type PairedDevice, type PairOptions } from './pairing';
import { writeFileAtomic } from '../../util/atomic-file';

export { normaliseMac } from './pairing';

/** An enrolled device as held in memory (the key never leaves this module except to decoders). */
export interface PairedEntry {
  mac: string;
  name?: string;
  /** Lowercase model id (`pair --model`), handed to decoders. */
  model?: string;
  key?: Buffer;
  pairedAt: string;
}

/** Parses a 16-byte bindkey given as 32 hex digits. Throws a clear Error (never echoing the key). */
export function parseBindkey(input: string): Buffer {
  const s = String(input ?? '').trim();
  if (!/^[0-9a-fA-F]*$/.test(s)) throw new Error('invalid key: only hex digits 0-9 a-f are allowed');
  if (s.length !== 32) throw new Error(`invalid key: expected 32 hex digits (16 bytes), got ${s.length}`);
  return Buffer.from(s, 'hex');
}

interface FileShape {
  version: 1;
  devices: { mac: string; name?: string; model?: string; key?: string; pairedAt: string }[];
}

/**
 * Enrolled BLE devices, persisted in `<state_dir>/paired.json` (mode 0600: it holds bindkeys).
 * Writes are atomic (temp file, fsync, rename, fsync of the directory) and serialised.
 */
export class PairedStore {
  private readonly devices = new Map<string, PairedEntry>();
  private writing: Promise<void> = Promise.resolve();
  /** Set when the file could not be loaded: why, and where the bad file was moved. */
  loadError?: string;
  /** Called after every successful change (the adapter pins/unpins devices). */
  onChange?: (mac: string, entry: PairedEntry | undefined, before: PairedEntry | undefined) => void;

  private constructor(readonly file: string) {}

  /** Opens `<stateDir>/paired.json`; a missing file is an empty store, a corrupt one is set aside. */
  static async open(stateDir: string): Promise<PairedStore> {
    const store = new PairedStore(join(stateDir, 'paired.json'));
    await store.load();
    return store;
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.loadError = `cannot read ${this.file}: ${(err as Error).message}`;
      return;
    }
    try {
      let parsed: FileShape;
      try {
        parsed = JSON.parse(text) as FileShape;
      } catch {
        // JSON.parse messages quote the text around the error, which may be a key
        throw new Error('not valid JSON');
      }
      if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.devices)) throw new Error('no "devices" list');
      const loaded = new Map<string, PairedEntry>();
      for (const d of parsed.devices) {
        const mac = normaliseMac(d.mac);
        const key = d.key === undefined || d.key === null ? undefined : parseBindkey(d.key);
        const name = typeof d.name === 'string' ? d.name : undefined;
        const model = typeof d.model === 'string' && MODEL_ID.test(d.model) ? d.model.toLowerCase() : undefined;
        const pairedAt = typeof d.pairedAt === 'string' ? d.pairedAt : new Date(0).toISOString();
        loaded.set(mac, { mac, name, key, pairedAt, ...(model ? { model } : {}) });
      }
      for (const [k, v] of loaded) this.devices.set(k, v);
      // a hand-made file may be readable by others: it holds bindkeys
      const st = await fsp.stat(this.file).catch(() => undefined);
      if (st && (st.mode & 0o077) !== 0) await fsp.chmod(this.file, 0o600).catch(() => undefined);
    } catch (err) {
      const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      let where = '';
      try {
        await fsp.rename(this.file, aside);
        where = `; moved to ${aside}`;
      } catch (e) {
        where = `; could not move it aside: ${(e as Error).message}`;
      }
      this.loadError = `${this.file} is corrupt (${(err as Error).message}), starting with no paired devices${where}`;
    }
  }

  /** The enrolled entry for a normalised MAC (hot path: one Map lookup). */
  get(mac: string): PairedEntry | undefined {
    return this.devices.get(mac);
  }

  /** Number of enrolled devices. */
  get size(): number {
    return this.devices.size;
  }

  /** Enrols or re-enrols a device; validates MAC and key, persists, then takes effect. */
  async pair(macInput: string, opts: PairOptions = {}): Promise<PairedDevice> {
    const mac = normaliseMac(macInput);
    const key = opts.key === undefined || opts.key === '' ? undefined : parseBindkey(opts.key);
    if (opts.name !== undefined && (typeof opts.name !== 'string' || opts.name.length > 64)) {
      throw new Error('invalid name: at most 64 characters');
    }
    const before = this.devices.get(mac);
    if (opts.model !== undefined && (typeof opts.model !== 'string' || !MODEL_ID.test(opts.model))) {
      throw new Error('invalid model: letters, digits, . _ + - (at most 32), as docs/sensors.md names them');
    }
    // pairing again (a new key, say) without --name keeps the name people know it by
    const entry: PairedEntry = { mac, name: opts.name ?? before?.name, key, pairedAt: new Date().toISOString() };
    const model = opts.model?.toLowerCase() ?? before?.model;
    if (model) entry.model = model;
    this.devices.set(mac, entry);
    try {
      await this.persist();
    } catch (err) {
      if (before) this.devices.set(mac, before);
      else this.devices.delete(mac);
      throw err;
    }
    this.onChange?.(mac, entry, before);
    return toPublic(entry);
  }

  /** Removes a device; false if it was not enrolled. */
  async unpair(macInput: string): Promise<boolean> {
    const mac = normaliseMac(macInput);
    const before = this.devices.get(mac);
    if (!before) return false;
    this.devices.delete(mac);
    try {
      await this.persist();
    } catch (err) {
      this.devices.set(mac, before);
      throw err;
    }
    this.onChange?.(mac, undefined, before);
    return true;
  }

  /** Enrolled devices without their keys. */
  list(): PairedDevice[] {
    return [...this.devices.values()].map(toPublic).sort((a, b) => a.mac.localeCompare(b.mac));
  }

  private persist(): Promise<void> {
    const snapshot: FileShape = {
      version: 1,
      devices: [...this.devices.values()].map((d) => ({
        mac: d.mac,
        ...(d.name !== undefined ? { name: d.name } : {}),
        ...(d.model !== undefined ? { model: d.model } : {}),
        ...(d.key ? { key: d.key.toString('hex') } : {}),
        pairedAt: d.pairedAt,
      })),
    };
    const text = JSON.stringify(snapshot, null, 2) + '\n';
    const run = this.writing.then(() => this.writeAtomic(text));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async writeAtomic(text: string): Promise<void> {
    await fsp.mkdir(join(this.file, '..'), { recursive: true, mode: 0o750 });
    // 0600: the file holds bindkeys.
    await writeFileAtomic(this.file, text, { mode: 0o600 });
  }

}

function toPublic(e: PairedEntry): PairedDevice {
  return {
    mac: formatMac(e.mac),
    ...(e.name !== undefined ? { name: e.name } : {}),
    ...(e.model !== undefined ? { model: e.model } : {}),
    hasKey: e.key !== undefined,
    pairedAt: e.pairedAt,
  };
}
