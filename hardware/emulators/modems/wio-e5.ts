import type { EmulatorOptions, ModemEmulatorCore } from './core';

const MODES = new Set(['LWOTAA', 'LWABP', 'TEST']);

/**
 * Seeed Wio-E5 / LoRa-E5 AT firmware as seen from the UART, for test-mode receive:
 * `AT+MODE=TEST`, `AT+TEST=RFCFG,...`, `AT+TEST=RXLRPKT` (continuous, stays on after a packet).
 */
export class WioE5Emulator implements ModemEmulatorCore {
  readonly baud = 9600;
  readonly eol = '\r\n';
  private mode = 'LWOTAA';
  private armed = false;
  private rf = { freq: 868_000_000, sf: 12, bw: 125, txpr: 8, rxpr: 8, pow: 14, crc: 'ON', iq: 'OFF', net: 'ON' };

  constructor(_opts: EmulatorOptions = {}) {
    this.reset();
  }

  get receiving(): boolean {
    return this.armed;
  }

  /** Current mode and RF settings, for tests that check what the driver configured. */
  get settings(): { mode: string; freq: number; sf: number; bw: number } {
    return { mode: this.mode, freq: this.rf.freq, sf: this.rf.sf, bw: this.rf.bw };
  }

  reset(): void {
    this.mode = 'LWOTAA';
    this.armed = false;
    this.rf = { freq: 868_000_000, sf: 12, bw: 125, txpr: 8, rxpr: 8, pow: 14, crc: 'ON', iq: 'OFF', net: 'ON' };
  }

  onCommand(line: string): string[] {
    const cmd = line.trim();
    const upper = cmd.toUpperCase();
    if (upper === 'AT') return ['+AT: OK'];
    if (!upper.startsWith('AT+')) return ['+AT: ERROR(-1)'];
    const eq = cmd.indexOf('=');
    const name = (eq < 0 ? cmd.slice(3) : cmd.slice(3, eq)).toUpperCase();
    const arg = eq < 0 ? undefined : cmd.slice(eq + 1).trim();
    if (!/^[A-Z]{1,12}$/.test(name)) return ['+AT: ERROR(-1)'];
    switch (name) {
      case 'VER':
        return arg === undefined ? ['+VER: 4.0.11'] : ['+VER: ERROR(-1)'];
      case 'MODE': {
        if (arg === undefined) return [`+MODE: ${this.mode}`];
        const m = arg.toUpperCase();
        if (!MODES.has(m)) return ['+MODE: ERROR(-1)'];
        this.mode = m;
        this.armed = false;
        return [`+MODE: ${m}`];
      }
      case 'TEST':
        return this.test(arg ?? '');
      default:
        return [`+${name}: ERROR(-10)`];
    }
  }

  hear(payload: Buffer, rssi: number, snr: number): string[] {
    if (!this.armed) return [];
    const hex = payload.toString('hex').toUpperCase();
    return [`+TEST: LEN:${payload.length}, RSSI:${Math.round(rssi)}, SNR:${Math.round(snr)}`, `+TEST: RX "${hex}"`];
  }

  deafen(): void {
    this.armed = false;
  }

  hearCorrupt(): string[] {
    // The test-mode firmware drops CRC failures silently and keeps listening.
    return [];
  }

  private test(arg: string): string[] {
    if (this.mode !== 'TEST') return ['+TEST: ERROR(-12)'];
    const parts = arg.split(',').map((p) => p.trim());
    const sub = (parts[0] ?? '').toUpperCase();
    switch (sub) {
      case 'STOP':
        this.armed = false;
        return ['+TEST: STOP'];
      case 'RXLRPKT':
        if (parts.length !== 1) return ['+TEST: ERROR(-1)'];
        this.armed = true;
        return ['+TEST: RXLRPKT'];
      case 'RFCFG':
        return this.rfcfg(parts.slice(1));
      default:
        return ['+TEST: ERROR(-1)'];
    }
  }

  private rfcfg(p: string[]): string[] {
    if (p.length !== 9) return ['+TEST: ERROR(-1)'];
    const [f, sf, bw, txpr, rxpr, pow, crc, iq, net] = p as [string, string, string, string, string, string, string, string, string];
    const mhz = /^\d{3}(\.\d{1,6})?$/.test(f) ? Number(f) : NaN;
    const sfm = /^SF(\d{1,2})$/i.exec(sf);
    const onOff = (v: string) => /^(ON|OFF)$/i.test(v);
    if (
      !(mhz >= 150 && mhz <= 960) ||
      !sfm || Number(sfm[1]) < 5 || Number(sfm[1]) > 12 ||
      !['125', '250', '500'].includes(bw) ||
      !/^\d{1,5}$/.test(txpr) || !/^\d{1,5}$/.test(rxpr) || !/^-?\d{1,2}$/.test(pow) ||
      !onOff(crc) || !onOff(iq) || !onOff(net)
    ) {
      return ['+TEST: ERROR(-1)'];
    }
    this.armed = false;
    this.rf = {
      freq: Math.round(mhz * 1_000_000),
      sf: Number(sfm[1]),
      bw: Number(bw),
      txpr: Number(txpr),
      rxpr: Number(rxpr),
      pow: Number(pow),
      crc: crc.toUpperCase(),
      iq: iq.toUpperCase(),
      net: net.toUpperCase(),
    };
    const r = this.rf;
    return [
      `+TEST: RFCFG F:${r.freq}, SF${r.sf}, BW${r.bw}K, TXPR:${r.txpr}, RXPR:${r.rxpr}, POW:${r.pow}dBm, CRC:${r.crc}, IQ:${r.iq}, NET:${r.net}`,
    ];
  }
}
