import { GOVEE } from './govee';
import { LONGTAIL } from './longtail';
import { ARANET, BLUEMAESTRO, BTHOME, INKBIRD, MOPEKA, RUUVI, SENSORPUSH, THERMOBEACON, THERMOPRO, TILT_SENSIRION } from './others';
import { SWITCHBOT } from './switchbot';
import type { Vector } from './vector';
import { XIAOMI } from './xiaomi';

/** Vectors of every family, by family (one file per family in this folder). */
export const ALL_VECTORS: Record<string, Vector[]> = {
  switchbot: SWITCHBOT,
  govee: GOVEE,
  bthome: BTHOME,
  xiaomi: XIAOMI,
  inkbird: INKBIRD,
  sensorpush: SENSORPUSH,
  thermopro: THERMOPRO,
  mopeka: MOPEKA,
  aranet: ARANET,
  ruuvi: RUUVI,
  thermobeacon: THERMOBEACON,
  bluemaestro: BLUEMAESTRO,
  tilt_sensirion: TILT_SENSIRION,
  longtail: LONGTAIL,
};
