import { tableDecoder } from './layout';

// Xiaomi / VegTrug Flower Care HHCCJCY10 (Theengs HHCCJCY10 definition): service data 0xfd50,
// 9 bytes, big-endian: moisture u8 % | temperature i16 ×0.1 °C | illuminance u24 lx |
// battery u8 % | conductivity u16 µS/cm. (HHCCJCY01 and HHCCPOT002 use MiBeacon: mibeacon.ts.)

/** Flower Care HHCCJCY10 (service data fd50). */
export const FlowercareDecoder = tableDecoder({
  fmt: 'flowercare',
  serviceUuid: 'fd50',
  lengths: [9],
  rows: [
    { name: 'moisture', at: 0, type: 'u8' },
    { name: 'temperature', at: 1, type: 'i16be', scale: 0.1 },
    { name: 'illuminance', at: 3, type: 'u24be' },
    { name: 'battery', at: 6, type: 'u8' },
    { name: 'conductivity', at: 7, type: 'u16be' },
  ],
});
