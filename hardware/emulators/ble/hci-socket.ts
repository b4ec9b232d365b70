import { EventEmitter } from 'node:events';

/** HCI packet indicators and the opcodes noble sends while it initialises and scans. */
const HCI_COMMAND_PKT = 0x01;
const HCI_EVENT_PKT = 0x04;
const EVT_CMD_COMPLETE = 0x0e;
const EVT_LE_META = 0x3e;
const LE_ADVERTISING_REPORT = 0x02;

const op = (ogf: number, ocf: number): number => (ogf << 10) | ocf;
export const OPCODES = {
  reset: op(0x03, 0x0003),
  readLeHostSupported: op(0x03, 0x006c),
  readLocalVersion: op(0x04, 0x0001),
  readBufferSize: op(0x04, 0x0005),
  readBdAddr: op(0x04, 0x0009),
  leReadBufferSize: op(0x08, 0x0002),
  leSetScanParameters: op(0x08, 0x000b),
  leSetScanEnable: op(0x08, 0x000c),
} as const;

/** Advertising PDU types as reported in an LE Advertising Report. */
export const ADV_TYPES = { ADV_IND: 0x00, ADV_SCAN_IND: 0x02, ADV_NONCONN_IND: 0x03, SCAN_RSP: 0x04 } as const;

/** One advertising report to deliver: address printed MSB first (`aa:bb:...` or 12 hex). */
export interface AdvReport {
  address: string;
  addressType: 'public' | 'random';
  advType: number;
  /** AD structures exactly as on air (at most 31 bytes for legacy advertising). */
  data: Buffer;
  rssi: number;
}

/** Encodes an HCI LE Meta event carrying LE Advertising Reports (subevent 0x02). */
export function encodeAdvertisingReport(reports: AdvReport[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of reports) {
    const addr = Buffer.from(r.address.replace(/[^0-9a-fA-F]/g, ''), 'hex').reverse();
    if (addr.length !== 6) throw new Error(`bad address ${r.address}`);
    if (r.data.length > 31) throw new Error(`advertising data longer than 31 bytes (${r.data.length})`);
    const head = Buffer.from([r.advType, r.addressType === 'random' ? 1 : 0]);
    const rssi = Buffer.alloc(1);
    rssi.writeInt8(Math.max(-127, Math.min(20, r.rssi)));
    parts.push(head, addr, Buffer.from([r.data.length]), r.data, rssi);
  }
  const body = Buffer.concat(parts);
  const params = Buffer.concat([Buffer.from([LE_ADVERTISING_REPORT, reports.length]), body]);
  return Buffer.concat([Buffer.from([HCI_EVENT_PKT, EVT_LE_META, params.length]), params]);
}

/** Encodes a Command Complete event for `opcode` with status and return parameters. */
export function encodeCommandComplete(opcode: number, status: number, ret: Buffer = Buffer.alloc(0)): Buffer {
  const params = Buffer.alloc(4 + ret.length);
  params[0] = 1; // Num_HCI_Command_Packets
  params.writeUInt16LE(opcode, 1);
  params[3] = status;
  ret.copy(params, 4);
  return Buffer.concat([Buffer.from([HCI_EVENT_PKT, EVT_CMD_COMPLETE, params.length]), params]);
}

/** An HCI command as another process on the same adapter would send it (seen on a raw socket). */
export function encodeCommand(opcode: number, params: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = HCI_COMMAND_PKT;
  head.writeUInt16LE(opcode, 1);
  head[3] = params.length;
  return Buffer.concat([head, params]);
}

/**
 * A Bluetooth controller behind a raw HCI socket, at the byte level: it answers the commands
 * noble writes with Command Complete events, tracks whether LE scanning is enabled, and only
 * delivers advertising reports while the device is up and scanning (like a real controller).
 */
export class EmulatedHciSocket extends EventEmitter {
  /** Address the controller reports for Read BD_ADDR. */
  readonly bdAddr: string;
  private devUp = true;
  private started = false;
  private closed = false;
  scanEnabled = false;
  filterDuplicates = false;
  /**
   * Notifications for the emulator and tests (`scanEnable`, `powerCycled`). Separate from the
   * socket's own listeners because noble calls removeAllListeners() on the socket when it re-inits.
   */
  readonly events = new EventEmitter();
  /** Counts for assertions: commands seen by opcode, scan enables, reports delivered. */
  readonly stats = { commands: new Map<number, number>(), scanEnables: 0, reports: 0, dropped: 0 };
  /** While set, a power cycle keeps the device down this many isDevUp polls (noble polls each second). */
  private pendingCycle: (() => void) | undefined;

  constructor(opts: { bdAddr?: string } = {}) {
    super();
    this.bdAddr = opts.bdAddr ?? '00:1a:7d:da:71:13';
  }

  bindRaw(): number {
    return 0;
  }
  bindUser(): number {
    return 0;
  }
  start(): void {
    this.started = true;
  }
  stop(): void {
    this.started = false;
    this.closed = true;
  }
  setFilter(): void {
    // the kernel's event filter: everything we emit passes it
  }

  /** noble polls this every second; a power cycle answers `false` once, then comes back up. */
  isDevUp(): boolean {
    if (!this.devUp && this.pendingCycle) {
      // noble sees the adapter down now; its next poll finds it up again.
      const done = this.pendingCycle;
      this.pendingCycle = undefined;
      this.devUp = true;
      this.events.emit('powerCycled');
      done();
      return false;
    }
    return this.devUp;
  }

  write(data: Buffer): void {
    if (this.closed || data.length < 4 || data[0] !== HCI_COMMAND_PKT) return;
    const opcode = data.readUInt16LE(1);
    const params = data.subarray(4, 4 + data[3]);
    this.stats.commands.set(opcode, (this.stats.commands.get(opcode) ?? 0) + 1);
    if (!this.devUp) return; // a powered-off controller answers nothing
    let ret = Buffer.alloc(0);
    switch (opcode) {
      case OPCODES.readLocalVersion:
        // HCI 5.0, manufacturer 0x000f (Broadcom, as on a Raspberry Pi)
        ret = Buffer.from([0x09, 0x00, 0x01, 0x09, 0x0f, 0x00, 0x00, 0x01]);
        break;
      case OPCODES.readBdAddr:
        ret = Buffer.from(this.bdAddr.replace(/:/g, ''), 'hex').reverse();
        break;
      case OPCODES.readLeHostSupported:
        ret = Buffer.from([0x01, 0x00]);
        break;
      case OPCODES.leReadBufferSize:
        ret = Buffer.from([0xfb, 0x00, 0x0a]);
        break;
      case OPCODES.readBufferSize:
        ret = Buffer.from([0xfd, 0x03, 0x00, 0x0a, 0x00, 0x00, 0x00]);
        break;
      case OPCODES.leSetScanEnable:
        this.scanEnabled = params[0] === 1;
        this.filterDuplicates = params[1] === 1;
        if (this.scanEnabled) this.stats.scanEnables++;
        this.events.emit('scanEnable', this.scanEnabled);
        break;
    }
    this.deliver(encodeCommandComplete(opcode, 0, ret));
  }

  /** Delivers advertising reports if the controller is up and scanning; returns whether it did. */
  advertise(reports: AdvReport[]): boolean {
    if (!this.devUp || !this.scanEnabled || !this.started || this.closed) {
      this.stats.dropped += reports.length;
      return false;
    }
    this.stats.reports += reports.length;
    this.emit('data', encodeAdvertisingReport(reports));
    return true;
  }

  /** Takes the adapter down until noble has polled it once, then brings it back up. */
  powerCycle(): Promise<void> {
    if (this.pendingCycle) return Promise.resolve();
    this.devUp = false;
    this.scanEnabled = false;
    return new Promise((resolve) => {
      this.pendingCycle = resolve;
    });
  }

  /** Another process (e.g. bluetoothd) disables LE scanning behind noble's back. */
  dropScan(): void {
    this.scanEnabled = false;
    this.deliver(encodeCommand(OPCODES.leSetScanEnable, Buffer.from([0x00, 0x00])));
    this.deliver(encodeCommandComplete(OPCODES.leSetScanEnable, 0));
  }

  /** How many times noble sent a given command. */
  count(opcode: number): number {
    return this.stats.commands.get(opcode) ?? 0;
  }

  private deliver(evt: Buffer): void {
    // Replies arrive asynchronously, as from a real controller.
    setImmediate(() => {
      if (!this.closed && this.started) this.emit('data', evt);
    });
  }
}
