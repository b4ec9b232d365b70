import { tableDecoder } from './layout';

// Formats that are one fixed table of bytes (layout.ts): each is its vendor's layout as the
// Theengs definition of the model reads it; offsets count from the byte after the company id.

/** XOSS X2 heart-rate sensor: company 0xff04, battery % (bit 7 ignored) and heart rate [bpm]. */
export const XossDecoder = tableDecoder({
  fmt: 'xoss',
  companyId: 0xff04,
  lengths: [4],
  rows: [
    { name: 'battery', at: 1, type: 'u8', mask: 0x7f },
    { name: 'heart_rate', at: 3, type: 'u8' },
  ],
});

/** Onset HOBO MX2001 water level logger: company 0x00c5, water level f32 LE in m (`distance`, as Theengs names it). */
export const HoboDecoder = tableDecoder({
  fmt: 'hobo',
  companyId: 0x00c5,
  lengths: [20],
  rows: [{ name: 'distance', at: 16, type: 'f32le', digits: 3, range: [-1e4, 1e4] }],
});

/** Oras smart faucets: company 0x0131, battery % (bit 7 ignored). */
export const OrasDecoder = tableDecoder({
  fmt: 'oras',
  companyId: 0x0131,
  lengths: [18],
  rows: [{ name: 'battery', at: 1, type: 'u8', mask: 0x7f }],
});
