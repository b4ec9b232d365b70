import type { Reading } from '../core/reading';

/**
 * A decoding step between a radio adapter and the pipeline: takes what an adapter heard and
 * returns it decoded (the same object, mutated, is fine), or null when the step drops it (the
 * step counts why). Synchronous, never throws on packet bytes. Each radio family has one:
 * LoRa (src/pipeline/lora-stage.ts: frame de-dup, LoRaWAN, codec) and BLE
 * (src/pipeline/ble-stage.ts: decoders with the pairing's key and model, replay guard, counter
 * de-dup). Adapters only hear; the gateway runs the adapter's stage before the pipeline.
 */
export interface ReadingStage {
  process(reading: Reading): Reading | null;
}
