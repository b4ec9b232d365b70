import type { Reading } from '../core/reading';

/**
 * A decoding step between a radio adapter and the pipeline: takes what an adapter heard and
 * returns it decoded (the same object, mutated, is fine), or null when the step drops it (the
 * step counts why). Synchronous, never throws on packet bytes. LoRa decoding is one
 * (src/pipeline/lora-stage.ts); a BLE decoding step takes the same shape when BLE decoding
 * moves out of its adapter.
 */
export interface ReadingStage {
  process(reading: Reading): Reading | null;
}
