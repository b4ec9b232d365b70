import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, companyId, fail, guarded } from './common';

// Oral-B Bluetooth toothbrushes (Theengs ORALB_BT definition): manufacturer data, company 0x00dc
// (Procter & Gamble), 11+ bytes: protocol (3) | state | pressure flags | brushing time min | s |
// mode | sector.

const FMT = 'oralb';
const COMPANY = 0x00dc;
const STATES: Record<number, string> = { 0x01: 'initialising', 0x02: 'idle', 0x03: 'running', 0x04: 'charging', 0x73: 'sleeping' };
const MODES: Record<number, string> = {
  0x00: 'off', 0x01: 'daily clean', 0x02: 'sensitive', 0x03: 'massage', 0x04: 'whitening', 0x05: 'deep clean', 0x06: 'tongue cleaning', 0x07: 'turbo',
};

function decodeOralb(advert: Advert): DecodeResult {
  const m = advert.manufacturerData!;
  if (m.length < 11) return fail(FMT, 'malformed');
  const f: Fields = { duration: m[7] * 60 + m[8] };
  const state = STATES[m[5]];
  if (state) f.state = state;
  const mode = MODES[m[9]];
  if (mode) f.mode = mode;
  if (m[10] >= 1 && m[10] <= 8) f.sector = m[10];
  return { fmt: FMT, fields: f, payload: m };
}

/** Oral-B Bluetooth toothbrushes: state, mode, sector, brushing time. */
export const OralbDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [COMPANY],
  matches: (advert) => companyId(advert) === COMPANY && advert.manufacturerData!.length >= 11,
  decode: (advert) => guarded(FMT, () => decodeOralb(advert)),
};
