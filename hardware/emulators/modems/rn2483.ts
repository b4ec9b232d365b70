import type { EmulatorOptions, ModemEmulatorCore } from './core';

/** Options of the RN2483/RN2903 emulator beyond the shared ones. */
export interface Rn2483EmulatorOptions extends EmulatorOptions {
  family?: 'RN2483' | 'RN2903';
  /** RSSI queries this firmware answers; default per family, none on old firmware. */
  rssiCommands?: string[];
}

const MAC_PAUSE_MS = '4294967245';

/**
 * Microchip RN2483/RN2903 firmware as seen from the UART, for raw radio use: `sys`, `mac pause`,
 * `radio set/get`, `radio rx`, `radio rxstop`. Receive is single-shot: every `radio_rx` and
 * `radio_err` disarms it until the next `radio rx`.
 */
export class Rn2483Emulator implements ModemEmulatorCore {
  readonly baud = 57600;
  readonly eol = '\r\n';
  readonly family: 'RN2483' | 'RN2903';
  private readonly version: string;
  private readonly rssiCommands: Set<string>;
  private readonly hasRxStop: boolean;
  private paused = false;
  private armed = false;
  private mod = 'lora';
  private freq = 0;
  private sf = 'sf12';
  private bw = 125;
  private cr = '4/5';
  private wdt = 15000;
  private lastSnr = -128;
  private lastRssi = -128;

  constructor(opts: Rn2483EmulatorOptions = {}) {
    this.family = opts.family ?? 'RN2483';
    const old = opts.oldFirmware === true;
    this.version = `${this.family} ${old ? '1.0.3 Mar 22 2017 06:00:42' : '1.0.5 Oct 31 2018 15:06:52'}`;
    const defaultRssi = old ? [] : this.family === 'RN2483' ? ['radio get pktrssi'] : ['radio get rssi'];
    this.rssiCommands = new Set(opts.rssiCommands ?? defaultRssi);
    this.hasRxStop = !old;
    this.reset();
  }

  get receiving(): boolean {
    return this.armed;
  }

  /** Current radio settings, for tests that check what the driver configured. */
  get radio(): { mod: string; freq: number; sf: string; bw: number; cr: string; wdt: number; paused: boolean } {
    return { mod: this.mod, freq: this.freq, sf: this.sf, bw: this.bw, cr: this.cr, wdt: this.wdt, paused: this.paused };
  }

  reset(): void {
    this.paused = false;
    this.armed = false;
    this.mod = 'lora';
    this.freq = this.family === 'RN2483' ? 868_100_000 : 923_300_000;
    this.sf = 'sf12';
    this.bw = 125;
    this.cr = '4/5';
    this.wdt = 15000;
    this.lastSnr = -128;
    this.lastRssi = -128;
  }

  onCommand(line: string): string[] {
    const words = line.trim().split(/\s+/);
    const [group, verb, param, value, ...extra] = words;
    if (group === 'sys') {
      if (verb === 'get' && param === 'ver' && words.length === 3) return [this.version];
      if (verb === 'reset' && words.length === 2) {
        this.reset();
        return [this.version];
      }
      return ['invalid_param'];
    }
    if (group === 'mac') {
      if (verb === 'pause' && words.length === 2) {
        this.paused = true;
        return [MAC_PAUSE_MS];
      }
      if (verb === 'resume' && words.length === 2) {
        this.paused = false;
        return ['ok'];
      }
      return ['invalid_param'];
    }
    if (group !== 'radio') return ['invalid_param'];
    if (verb === 'get' && value === undefined && param !== undefined) return [this.get(`radio get ${param}`)];
    if (verb === 'rxstop' && words.length === 2) {
      if (!this.hasRxStop) return ['invalid_param'];
      this.armed = false;
      return ['ok'];
    }
    // The radio refuses reconfiguration while it listens.
    if (this.armed && (verb === 'set' || verb === 'rx' || verb === 'tx')) return ['busy'];
    if (verb === 'rx' && words.length === 3) {
      if (!/^\d{1,5}$/.test(param ?? '') || Number(param) > 65535) return ['invalid_param'];
      if (!this.paused) return ['busy'];
      this.armed = true;
      return ['ok'];
    }
    if (verb === 'set' && param !== undefined && value !== undefined && extra.length === 0) {
      return [this.set(param, value) ? 'ok' : 'invalid_param'];
    }
    return ['invalid_param'];
  }

  hear(payload: Buffer, rssi: number, snr: number): string[] {
    if (!this.armed || this.mod !== 'lora') return [];
    this.armed = false;
    this.lastRssi = Math.round(rssi);
    this.lastSnr = Math.round(snr);
    // Real firmware prints two spaces between the keyword and the data.
    return [`radio_rx  ${payload.toString('hex').toUpperCase()}`];
  }

  deafen(): void {
    this.armed = false;
  }

  hearCorrupt(): string[] {
    if (!this.armed) return [];
    this.armed = false;
    return ['radio_err'];
  }

  private get(query: string): string {
    if (query === 'radio get snr') return String(this.lastSnr);
    if (this.rssiCommands.has(query)) return String(this.lastRssi);
    switch (query) {
      case 'radio get mod':
        return this.mod;
      case 'radio get freq':
        return String(this.freq);
      case 'radio get sf':
        return this.sf;
      case 'radio get bw':
        return String(this.bw);
      case 'radio get cr':
        return this.cr;
      case 'radio get wdt':
        return String(this.wdt);
      default:
        return 'invalid_param';
    }
  }

  private set(param: string, value: string): boolean {
    switch (param) {
      case 'mod':
        if (value !== 'lora' && value !== 'fsk') return false;
        this.mod = value;
        return true;
      case 'freq': {
        if (!/^\d{9}$/.test(value)) return false;
        const hz = Number(value);
        const ok =
          this.family === 'RN2483'
            ? (hz >= 433_050_000 && hz <= 434_790_000) || (hz >= 863_000_000 && hz <= 870_000_000)
            : hz >= 902_000_000 && hz <= 928_000_000;
        if (ok) this.freq = hz;
        return ok;
      }
      case 'sf':
        if (!/^sf(7|8|9|10|11|12)$/.test(value)) return false;
        this.sf = value;
        return true;
      case 'bw':
        if (!['125', '250', '500'].includes(value)) return false;
        this.bw = Number(value);
        return true;
      case 'cr':
        if (!['4/5', '4/6', '4/7', '4/8'].includes(value)) return false;
        this.cr = value;
        return true;
      case 'wdt':
        if (!/^\d{1,10}$/.test(value) || Number(value) > 4_294_967_295) return false;
        this.wdt = Number(value);
        return true;
      case 'pwr':
      case 'crc':
      case 'sync':
      case 'prlen':
      case 'iqi':
        return true;
      default:
        return false;
    }
  }
}
