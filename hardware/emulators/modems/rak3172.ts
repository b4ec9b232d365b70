import type { EmulatorOptions, ModemEmulatorCore } from './core';

const BW_KHZ = new Set([125, 250, 500]);

/**
 * RAK3172 AT firmware as seen from the UART, for LoRa P2P receive. RUI3 by default; with
 * `oldFirmware` the older 9600-baud AT firmware that prints each reception as two `+EVT:` lines.
 * Powers up in LoRaWAN mode, as shipped: `AT+NWM=0` reboots it into P2P and prints a banner.
 */
export class Rak3172Emulator implements ModemEmulatorCore {
  readonly baud: number;
  readonly eol = '\r\n';
  readonly oldFirmware: boolean;
  /** 0 = LoRa P2P, 1 = LoRaWAN; survives `reset()` like the module's flash does. */
  private workMode = 1;
  /** 0 = idle, 65534 = continuous, 65535 = until one packet, other = one window. */
  private rx = 0;
  private p2p = { freq: 868_000_000, sf: 7, bw: 125, cr: 0, preamble: 8, power: 14 };

  constructor(opts: EmulatorOptions = {}) {
    this.oldFirmware = opts.oldFirmware === true;
    this.baud = this.oldFirmware ? 9600 : 115200;
  }

  get receiving(): boolean {
    return this.rx !== 0;
  }

  /** Current P2P settings and work mode, for tests that check what the driver configured. */
  get settings(): { workMode: number; freq: number; sf: number; bw: number; cr: number; preamble: number; power: number } {
    return { workMode: this.workMode, ...this.p2p };
  }

  reset(): void {
    this.rx = 0;
  }

  /** A factory-fresh module: LoRaWAN work mode and default P2P settings. */
  factoryReset(): void {
    this.workMode = 1;
    this.p2p = { freq: 868_000_000, sf: 7, bw: 125, cr: 0, preamble: 8, power: 14 };
    this.reset();
  }

  onCommand(line: string): string[] {
    const cmd = line.trim();
    const upper = cmd.toUpperCase();
    if (upper === 'AT') return ['OK'];
    if (upper === 'ATZ') return this.reboot();
    if (!upper.startsWith('AT+')) return ['AT_ERROR'];
    const eq = cmd.indexOf('=');
    const name = (eq < 0 ? cmd : cmd.slice(0, eq)).toUpperCase();
    const arg = eq < 0 ? undefined : cmd.slice(eq + 1);
    switch (name) {
      case 'AT+VER':
        if (arg !== '?') return ['AT_PARAM_ERROR'];
        return this.oldFirmware ? ['+VER:RAK3172 v1.0.2', 'OK'] : ['AT+VER=RUI_4.0.6_RAK3172-E', 'OK'];
      case 'AT+NWM':
        return this.nwm(arg);
      case 'AT+P2P':
        return this.setP2p(arg);
      case 'AT+PRECV':
        return this.precv(arg);
      case 'AT+PSEND':
        if (this.workMode !== 0) return ['AT_ERROR'];
        if (this.rx !== 0) return ['AT_BUSY_ERROR'];
        if (!arg || !/^([0-9A-Fa-f]{2}){1,255}$/.test(arg)) return ['AT_PARAM_ERROR'];
        return ['OK', '+EVT:TXP2P DONE'];
      default:
        return ['AT_COMMAND_NOT_FOUND'];
    }
  }

  hear(payload: Buffer, rssi: number, snr: number): string[] {
    if (this.rx === 0 || this.workMode !== 0) return [];
    // Anything but continuous mode listens for one packet only.
    if (this.rx !== 65534) this.rx = 0;
    const hex = payload.toString('hex').toUpperCase();
    const r = Math.round(rssi);
    const s = Math.round(snr);
    if (this.oldFirmware) return [`+EVT:RXP2P, RSSI ${r}, SNR ${s}`, `+EVT:${hex}`];
    return [`+EVT:RXP2P:${r}:${s}:${hex}`];
  }

  deafen(): void {
    this.rx = 0;
  }

  hearCorrupt(): string[] {
    if (this.rx === 0 || this.workMode !== 0) return [];
    this.rx = 0;
    return ['+EVT:RXP2P RECEIVE ERROR'];
  }

  /** A receive window (not continuous) ran out without a packet. */
  windowTimeout(): string[] {
    if (this.rx === 0 || this.rx === 65534 || this.rx === 65535) return [];
    this.rx = 0;
    return ['+EVT:RXP2P RECEIVE TIMEOUT'];
  }

  private reboot(): string[] {
    this.reset();
    const mode = this.workMode === 0 ? 'LoRa P2P' : 'LoRaWAN';
    return ['RAKwireless RAK3172-E Example', '------------------------------------------------------', `Current Work Mode: ${mode}.`];
  }

  private nwm(arg: string | undefined): string[] {
    if (arg === '?') return [`AT+NWM=${this.workMode}`, 'OK'];
    if (arg !== '0' && arg !== '1' && arg !== '2') return ['AT_PARAM_ERROR'];
    const mode = Number(arg);
    if (mode === this.workMode) return ['OK'];
    this.workMode = mode;
    return this.reboot();
  }

  private setP2p(arg: string | undefined): string[] {
    if (this.workMode !== 0) return ['AT_ERROR'];
    if (arg === '?') {
      const p = this.p2p;
      return [`AT+P2P=${p.freq}:${p.sf}:${p.bw}:${p.cr}:${p.preamble}:${p.power}`, 'OK'];
    }
    if (this.rx !== 0) return ['AT_BUSY_ERROR'];
    const parts = (arg ?? '').split(':');
    if (parts.length !== 6 || !parts.every((p) => /^\d{1,10}$/.test(p))) return ['AT_PARAM_ERROR'];
    const [freq, sf, bw, cr, preamble, power] = parts.map(Number) as [number, number, number, number, number, number];
    const ok =
      freq >= 150_000_000 && freq <= 960_000_000 &&
      sf >= 5 && sf <= 12 &&
      BW_KHZ.has(bw) &&
      cr >= 0 && cr <= 3 &&
      preamble >= 2 && preamble <= 65535 &&
      power >= 5 && power <= 22;
    if (!ok) return ['AT_PARAM_ERROR'];
    this.p2p = { freq, sf, bw, cr, preamble, power };
    return ['OK'];
  }

  private precv(arg: string | undefined): string[] {
    if (this.workMode !== 0) return ['AT_ERROR'];
    if (arg === '?') return [`AT+PRECV=${this.rx}`, 'OK'];
    if (!arg || !/^\d{1,5}$/.test(arg) || Number(arg) > 65535) return ['AT_PARAM_ERROR'];
    const ms = Number(arg);
    if (ms === 0) {
      this.rx = 0;
      return ['OK'];
    }
    if (this.rx !== 0) return ['AT_BUSY_ERROR'];
    this.rx = ms;
    return ['OK'];
  }
}
