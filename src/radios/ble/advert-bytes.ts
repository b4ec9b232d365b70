import type { Advert } from './advert';

/** A copy that owns its memory: payloads are slices of HCI event buffers (or of a shared pool slab). */
export function ownCopy(b: Buffer): Buffer {
  const c = Buffer.allocUnsafeSlow(b.length);
  b.copy(c);
  return c;
}

/** The bytes an advert carries (for "same advert again" before decoding). */
export function advertSignature(a: Advert): string {
  let s = a.manufacturerData ? a.manufacturerData.toString('hex') : '';
  for (const sd of a.serviceData) s += `|${sd.uuid}:${sd.data.toString('hex')}`;
  return s;
}

/** Raw payload of an undecodable advert: manufacturer data (with company id), else service data with its UUID as on air. */
export function rawPayload(a: Advert): Buffer | undefined {
  if (a.manufacturerData && a.manufacturerData.length > 0) return a.manufacturerData;
  const sd = a.serviceData[0];
  if (!sd) return undefined;
  const uuid = Buffer.from(sd.uuid, 'hex').reverse();
  return Buffer.concat([uuid, sd.data]);
}
