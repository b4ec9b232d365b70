import { cryptFrmPayload, dataMic } from '../../src/radios/lora/lorawan/crypto';
import { parsePhyPayload, type DataFrame } from '../../src/radios/lora/lorawan/phy';

/** Builds a valid (encrypted, MIC'd) data frame with a full 32-bit FCnt, as an ABP end-device would send it. */
export function buildDataFrame(o: {
  devaddr: string; fcnt32: number; fport?: number; payload?: Buffer; nwkskey: Buffer; appskey: Buffer;
  mhdr?: number; fctrl?: number; fopts?: Buffer;
}): Buffer {
  const fopts = o.fopts ?? Buffer.alloc(0);
  const head = Buffer.alloc(8);
  head[0] = o.mhdr ?? 0x40;
  Buffer.from(o.devaddr, 'hex').reverse().copy(head, 1);
  head[5] = ((o.fctrl ?? 0) & 0xf0) | fopts.length;
  head.writeUInt16LE(o.fcnt32 & 0xffff, 6);
  const payload = o.payload ?? Buffer.alloc(0);
  const portPart = o.fport === undefined ? Buffer.alloc(0) : Buffer.from([o.fport]);
  const draft = Buffer.concat([head, fopts, portPart, payload, Buffer.alloc(4)]);
  const p1 = parsePhyPayload(draft);
  if (!p1.ok) throw new Error(p1.error.message);
  const key = o.fport === 0 ? o.nwkskey : o.appskey;
  const enc = o.fport === undefined ? Buffer.alloc(0) : cryptFrmPayload(key, p1.frame as DataFrame, o.fcnt32, payload);
  const body = Buffer.concat([head, fopts, portPart, enc]);
  const p2 = parsePhyPayload(Buffer.concat([body, Buffer.alloc(4)]));
  if (!p2.ok) throw new Error(p2.error.message);
  return Buffer.concat([body, dataMic(o.nwkskey, p2.frame as DataFrame, o.fcnt32)]);
}

/** An emulated LoRaWAN 1.0 ABP end-device: each uplink gets the next frame counter. */
export class AbpDevice {
  private fcnt = 0;
  constructor(
    readonly devaddr: string,
    private readonly nwkskey: Buffer,
    private readonly appskey: Buffer,
  ) {}

  /** The PHYPayload of the next unconfirmed uplink carrying `payload` on `fport`. */
  uplink(payload: Buffer, fport = 1): Buffer {
    return buildDataFrame({ devaddr: this.devaddr, fcnt32: this.fcnt++, fport, payload, nwkskey: this.nwkskey, appskey: this.appskey });
  }
}
