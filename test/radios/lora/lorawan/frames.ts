
/** Public vectors (lora-packet tests, LoRaWAN 1.0.x), copied as facts. */
export const V = {
  nwkskey: Buffer.from('44024241ed4ce9a68c6a8bc055233fd3', 'hex'),
  appskey: Buffer.from('ec925802ae430ca77fd3dd73cb2cc588', 'hex'),
  frames: [
    { phy: '40F17DBE4900020001954378762B11FF0D', mtype: 'UnconfirmedDataUp', devaddr: '49be7df1', fcnt: 2, fport: 1, plaintext: '74657374', mic: '2b11ff0d' },
    { phy: '40F17DBE49000300012A3518AF', mtype: 'UnconfirmedDataUp', devaddr: '49be7df1', fcnt: 3, fport: 1, plaintext: '', mic: '2a3518af' },
    {
      phy: '40f17dbe490004000155332de41a11adc072553544429ce7787707d1c316e027e7e5e334263376affb8aa17ad30075293f28dea8a20af3c5e7',
      mtype: 'UnconfirmedDataUp', devaddr: '49be7df1', fcnt: 4, fport: 1,
      plaintext: Buffer.from('The quick brown fox jumps over the lazy dog.').toString('hex'), mic: '0af3c5e7',
    },
    { phy: '60f17dbe4920020001f9d65d27', mtype: 'UnconfirmedDataDown', devaddr: '49be7df1', fcnt: 2, fport: 1, plaintext: '', mic: 'f9d65d27' },
  ],
  join: { phy: '0039363463336913AA05693574323831330489C65B1304', appkey: Buffer.from('98929b92c49edba9676d646d3b612456', 'hex'), mic: 'c65b1304' },
  wrongAppskey: Buffer.from('ec925802ae430ca77fd3dd73cb2cc580', 'hex'),
  wrongAppskeyPlain: '5999fc3f',
};

export { buildDataFrame } from '../../../../hardware/emulators/lorawan-device';

export { prng, randomBytes } from '../../../helpers/prng';

