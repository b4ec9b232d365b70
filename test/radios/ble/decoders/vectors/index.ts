import { GOVEE } from './govee';
import { SWITCHBOT } from './switchbot';
import type { Vector } from './vector';

/** Vectors of every family, by family (one file each in this folder). */
export const ALL_VECTORS: Record<string, Vector[]> = {
  switchbot: SWITCHBOT,
  govee: GOVEE,
};
