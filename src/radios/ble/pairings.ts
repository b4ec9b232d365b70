import type { Logger } from '../../util/log';
import { PairedStore, type PairedEntry } from './paired-store';
import { normaliseMac, type PairedDevice, type PairOptions } from './pairing';

/** What decoding may know of one pairing: the key and model it decodes with, the label it gives. */
export type PairingFacts = Pick<PairedEntry, 'key' | 'model' | 'name'>;

/** Told after every successful pairing change: the pairing now (none: unpaired) and before. */
export type PairingListener = (mac: string, now: PairingFacts | undefined, before: PairingFacts | undefined) => void;

/** Pairings as BLE decoding reads them: never a way to change them. */
export interface PairingLookup {
  /** The pairing of `mac` (12 hex digits), if it is paired (hot path: one Map lookup). */
  get(mac: string): PairingFacts | undefined;
  /** Every paired MAC (12 hex digits). */
  macs(): string[];
  /** Calls `listener` after every change, in the order listeners were added. */
  onChange(listener: PairingListener): void;
}

/**
 * The enrolled BLE devices of one gateway, shared by both halves: the adapter reads them to know
 * what is ours and changes them (`pair`, `unpair`), the decoding stage reads keys and models
 * through {@link PairingLookup}. `<state_dir>/paired.json` is opened once, on first use.
 */
export class BlePairings implements PairingLookup {
  private store?: PairedStore;
  private opening?: Promise<PairedStore>;
  private readonly listeners: PairingListener[] = [];

  /** `context` goes into the log line of an unreadable file (the adapter's name). */
  constructor(
    private readonly stateDir: string,
    private readonly log: Logger,
    private readonly context: Record<string, string> = {},
  ) {}

  /** Loads the pairings (once); a missing file is none, a corrupt one is set aside and logged. */
  open(): Promise<PairedStore> {
    if (this.store) return Promise.resolve(this.store);
    if (!this.opening) {
      this.opening = PairedStore.open(this.stateDir).then((store) => {
        if (store.loadError) this.log.error(this.context, `paired devices: ${store.loadError}`);
        this.store = store;
        store.onChange = (mac, entry, before) => {
          for (const l of this.listeners) l(mac, entry, before);
        };
        return store;
      });
      this.opening.catch(() => {
        this.opening = undefined;
      });
    }
    return this.opening;
  }

  get(mac: string): PairedEntry | undefined {
    return this.store?.get(mac);
  }

  macs(): string[] {
    return (this.store?.list() ?? []).map((d) => normaliseMac(d.mac));
  }

  onChange(listener: PairingListener): void {
    this.listeners.push(listener);
  }

  /** Number of enrolled devices (0 until opened). */
  get size(): number {
    return this.store?.size ?? 0;
  }

  /** Enrolled devices, never with keys. */
  list(): PairedDevice[] {
    return this.store?.list() ?? [];
  }

  /** Enrols a device; effective for the next advert. */
  async pair(mac: string, opts: PairOptions): Promise<PairedDevice> {
    return (await this.open()).pair(mac, opts);
  }

  /** Removes an enrolled device; effective for the next advert. */
  async unpair(mac: string): Promise<boolean> {
    return (await this.open()).unpair(mac);
  }
}
