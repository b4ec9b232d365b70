import { tableDecoder } from './layout';

/**
 * Oras Hydractiva Digital / amphiro shower meters (ADHS; the Theengs Amphiro definition):
 * company 0xfaee, 19 bytes after it: shower session u24 BE | duration u16 BE s | … |
 * water u24 BE ÷2560 L | temperature u8 °C | energy u16 BE ÷100 kWh. A one-table format.
 */
export const AmphiroDecoder = tableDecoder({
  fmt: 'amphiro',
  companyId: 0xfaee,
  lengths: [19],
  rows: [
    { name: 'session', at: 0, type: 'u24be' },
    { name: 'duration', at: 3, type: 'u16be' },
    { name: 'water', at: 8, type: 'u24be', scale: 1 / 2560, digits: 3 },
    { name: 'temperature', at: 11, type: 'u8' },
    { name: 'energy', at: 12, type: 'u16be', scale: 0.01, digits: 2 },
  ],
});
