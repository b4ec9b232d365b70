import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, fail, guarded, serviceData } from './common';
import { isKkmFrame } from './kkm';

// Eddystone (github google/eddystone, protocol-specification.md and the eddystone-uid / -url /
// -tlm / -eid pages): service data 0xfeaa, first byte is the frame type.
//   UID 0x00: tx power i8 (at 0 m) | namespace(10) | instance(6) | RFU(2, optional)
//   URL 0x10: tx power i8 | scheme prefix code | encoded URL (bytes 0x00-0x0d expand to .com/ etc.)
//   TLM 0x20: version (0x00 plain; 0x01 = encrypted eTLM) | battery u16 mV (0 = unknown) |
//             temperature 8.8 signed fixed point (0x8000 = unknown) | adv count u32 | uptime u32 ×0.1 s
//   EID 0x30: tx power i8 | ephemeral id(8)

const FMT = 'eddystone';
const UUID = 'feaa';

const SCHEMES = ['http://www.', 'https://www.', 'http://', 'https://'];
const EXPANSIONS = ['.com/', '.org/', '.edu/', '.net/', '.info/', '.biz/', '.gov/', '.com', '.org', '.edu', '.net', '.info', '.biz', '.gov'];

function decodeUrl(b: Buffer): string | undefined {
  const scheme = SCHEMES[b[2]];
  if (scheme === undefined) return undefined;
  let s = scheme;
  for (let i = 3; i < b.length; i++) {
    const c = b[i];
    if (c < EXPANSIONS.length) s += EXPANSIONS[c];
    else if (c > 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else return undefined; // the spec reserves other codes; a URL with them is not a valid frame
  }
  return s;
}

function decodeEddystone(advert: Advert): DecodeResult {
  const b = serviceData(advert, UUID);
  if (!b || b.length < 1) return fail(FMT, 'malformed');
  switch (b[0]) {
    case 0x00:
      if (b.length < 18) return fail(FMT, 'malformed');
      return {
        fmt: FMT,
        fields: { frame: 'uid', tx_power: b.readInt8(1), namespace: b.toString('hex', 2, 12), instance: b.toString('hex', 12, 18) },
        payload: b,
      };
    case 0x10: {
      if (b.length < 3) return fail(FMT, 'malformed');
      const url = decodeUrl(b);
      if (url === undefined) return fail(FMT, 'malformed');
      return { fmt: FMT, fields: { frame: 'url', tx_power: b.readInt8(1), url }, payload: b };
    }
    case 0x20: {
      if (b.length < 2) return fail(FMT, 'malformed');
      if (b[1] === 0x01) return fail(FMT, 'no_key');
      if (b[1] !== 0x00 || b.length < 14) return fail(FMT, 'malformed');
      const fields: Record<string, number | string> = { frame: 'tlm' };
      const mv = b.readUInt16BE(2);
      if (mv !== 0) fields.voltage = mv / 1000;
      const t = b.readInt16BE(4);
      if (t !== -0x8000) fields.temperature = t / 256;
      fields.adv_count = b.readUInt32BE(6);
      fields.uptime_s = b.readUInt32BE(10) / 10;
      return { fmt: FMT, fields, payload: b };
    }
    case 0x30:
      if (b.length < 10) return fail(FMT, 'malformed');
      return { fmt: FMT, fields: { frame: 'eid', tx_power: b.readInt8(1), eid: b.toString('hex', 2, 10) }, payload: b };
    default:
      return fail(FMT, 'unsupported');
  }
}

/** Google Eddystone UID / URL / TLM / EID frames. */
export const EddystoneDecoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [UUID],
  matches: (advert) => {
    const b = serviceData(advert, UUID);
    return b !== undefined && !isKkmFrame(b); // KKM sensors reuse feaa with frame 0x21 (kkm.ts)
  },
  decode: (advert) => guarded(FMT, () => decodeEddystone(advert)),
};
