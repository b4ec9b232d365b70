import { tableDecoder } from './layout';

/**
 * Onset HOBO MX2001 water level logger (Theengs HOBOMX2001 definition): company 0x00c5, 20 bytes
 * after it, the water level f32 LE in m at byte 16 (`distance`, as Theengs names it). A one-table format.
 */
export const HoboDecoder = tableDecoder({
  fmt: 'hobo',
  companyId: 0x00c5,
  lengths: [20],
  rows: [{ name: 'distance', at: 16, type: 'f32le', digits: 3, range: [-1e4, 1e4] }],
});
