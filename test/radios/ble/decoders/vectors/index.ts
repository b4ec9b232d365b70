import { GOVEE } from './govee';
import { SWITCHBOT } from './switchbot';
import type { Vector } from './vector';
import { XIAOMI } from './xiaomi';

/** Vectors of every family, by family (one file each in this folder). */
export const ALL_VECTORS: Record<string, Vector[]> = {
  switchbot: SWITCHBOT,
  govee: GOVEE,
  xiaomi: XIAOMI,
};
