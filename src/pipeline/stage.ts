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
  /**
   * True when the stage keeps its own de-dup window, as strict as the pipeline's key window for
   * everything it passes on, so the pipeline skips that window for its readings (one table
   * lookup per reading fewer; the profile of the UDP path had the two lookups at ~6 % of the
   * main thread). The LoRa stage's window is on the frame bytes, and a LoRa key comes from the
   * bytes alone (see lora-stage.ts for the one exception); no other stage can make a LoRa key.
   */
  readonly windowed?: boolean;
}
