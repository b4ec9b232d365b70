import type { Reading } from '../core/reading';
import type { LoraFrameDecoder } from '../radios/lora/lorawan/decoder';
import { DropCounter } from '../util/drop-counter';
import { RecentKeys } from './runs';
import type { ReadingStage } from './stage';

/**
 * The LoRa decoding stage: frame de-duplication, then LoRaWAN decoding (MIC, decryption, FCnt)
 * and the device's codec. It owns its de-dup window: the same radio bytes heard again within
 * `windowMs` (a second modem or concentrator) are dropped here as `duplicate`, before any MIC
 * check, decryption or codec runs. A LoRa key is made from the frame bytes (DevAddr, FCnt and
 * MIC, the whole PHYPayload of a join, or the payload and its run), so the pipeline's key
 * window would refuse nothing this one passed: the stage says `windowed` and the pipeline
 * skips it for LoRa readings. The one exception: with `udp.forward_crc_errors` (off by
 * default), a corrupted copy whose DevAddr, FCnt and MIC survived carries the genuine frame's
 * key; it now goes upstream, where a backend's key de-dup drops it as the gateway did.
 *
 * Two entrances share one window and one decoder: P2P modems hear LoRaWAN only when a
 * configured device transmits on their channel, concentrators hear nothing but LoRaWAN.
 */
export class LoraStage {
  /** Drops of this stage by cause (`duplicate`); MIC drops are the decoder's `mic_dropped` counter. */
  readonly drops = new DropCounter();
  /** For readings from P2P modems. */
  readonly modem: ReadingStage;
  /** For readings from Semtech UDP concentrators. */
  readonly concentrator: ReadingStage;
  private readonly recentFrames: RecentKeys;

  constructor(
    private readonly decoder: LoraFrameDecoder,
    windowMs: number,
  ) {
    this.recentFrames = new RecentKeys(windowMs);
    this.modem = { process: (r) => this.process(r, false), windowed: true };
    this.concentrator = { process: (r) => this.process(r, true), windowed: true };
  }

  /** The decoder's counted outcomes, for `lowband status` (`decoders.lorawan`). */
  get counters(): Record<string, number> {
    return this.decoder.counters;
  }

  /** A persistence error of the FCnt store, while it lasts. */
  get alarm(): string | undefined {
    return this.decoder.persistenceAlarm;
  }

  /** Stops codec workers and writes the FCnt state. */
  close(): void {
    this.decoder.close();
  }

  private process(r: Reading, assumeLorawan: boolean): Reading | null {
    if (this.recentFrames.isDuplicate(r.raw, r.timeUs / 1000)) {
      this.drops.count('duplicate');
      return null;
    }
    return this.decoder.decode(r, assumeLorawan);
  }
}
