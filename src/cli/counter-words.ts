/**
 * What each counter of `lowband status` means, in one line: the same word (`duplicate`) counts
 * different things at different places, so the place comes first (`gateway.duplicate`,
 * `ble.duplicate`); a plain cause is the fallback. Counter names are docs/status.md's.
 */
const MEANING: Record<string, string> = {
  // Between the adapters and the log (status.drops).
  'gateway.duplicate': 'same radio transmission heard again within dedup.window_ms, another path or a repeat; forwarded once',
  'gateway.encode': 'a reading that could not be encoded as a wire message',
  'gateway.pipeline_fault': 'readings lost to an internal error, see the log',
  // BLE adapter.
  'ble.duplicate': 'the sensor repeated an advert already forwarded, same reading or counter; not sent again',
  'ble.min_rssi': 'adverts weaker than ble.min_rssi',
  'ble.undecodable': 'adverts of a paired device that no decoder understood',
  'ble.counter_reset': 'a sensor\'s packet counter went back, restart or battery change; accepted after a check',
  'ble.replay': 'an encrypted advert with an old counter, replayed; refused',
  'ble.bad_key': 'encrypted adverts the bindkey did not open, wrong pair --key?',
  'ble.no_key': 'encrypted adverts of a device paired without a bindkey, pair --key',
  'ble.decoder_error': 'adverts a decoder failed on, see the log',
  'ble.malformed': 'adverts too short or broken for their format',
  // Serial modems.
  'lora.garbage': 'bytes on the serial line that are not the modem\'s protocol',
  'lora.line_too_long': 'over-long serial lines, cut off, receive re-checked at once',
  'lora.bad_hex': 'received packets whose hex text was broken',
  'lora.modem_error': 'commands the modem answered with an error',
  'lora.receive_off': 'the modem had stopped receiving; re-armed',
  'lora.rx_error': 'receive errors reported by the modem',
  'lora.missing_payload': 'receive reports without a payload',
  // Semtech UDP.
  'udp.crc': 'packets with a failed CRC, udp[].forward_crc_errors: false',
  'udp.malformed': 'datagrams that are not Semtech UDP protocol',
  'udp.internal': 'packets lost to an internal error, see the log',
  // LoRaWAN decoding (status.decoders.lorawan).
  'lorawan.decoded': 'frames whose payload a codec turned into fields',
  'lorawan.authenticated': 'frames whose MIC checked with the device\'s NwkSKey',
  'lorawan.raw': 'frames forwarded as raw bytes, no session keys configured, or not LoRaWAN',
  'lorawan.malformed': 'frames too short or broken to be LoRaWAN',
  'lorawan.join_request': 'OTAA join requests, forwarded raw; lowband does not join devices',
  'lorawan.unknown_device': 'frames from a DevAddr not in lorawan.devices',
  'lorawan.fcnt_search': 'frames whose 32-bit FCnt had to be searched, after a gap or roll-over',
  'lorawan.replay': 'frames with an FCnt already seen, replayed or re-sent; refused',
  'lorawan.mic_failed': 'frames whose MIC did not check, wrong NwkSKey, or a DevAddr shared by another network',
  'lorawan.mic_dropped': 'of those, dropped, lorawan.drop_mic_failures: true',
  'lorawan.codec_error': 'payloads the codec threw on',
  'lorawan.codec_timeout': 'payloads the codec took longer than lorawan.codec_timeout_ms on',
  'lorawan.codec_restarting': 'payloads that came while the codec was restarting',
  // Sinks.
  'sink.hwm': 'messages ZeroMQ refused because a subscriber was too slow, upstream.publish.hwm',
  'sink.overflow': 'oldest messages dropped from a full queue, queue_messages / queue_bytes',
  'sink.spool_full': 'oldest messages dropped from the full disk spool, spool.max_bytes',
  'sink.refused': 'messages the broker refused',
  // Shared causes.
  malformed: 'input that could not be parsed',
  sink_error: 'readings lost because the pipeline refused them, see the log',
  too_large: 'messages over the size bound',
};

/** The counter's meaning at `place` (`gateway`, `ble`, `lora`, `udp`, `lorawan`, `sink`), if known. */
export function meaning(place: string, counter: string): string | undefined {
  return MEANING[`${place}.${counter}`] ?? MEANING[counter];
}

/** `decoded 7, authenticated 7, raw 7`: counters with spaces, zeros left out. */
export function countsText(c: Record<string, number>): string {
  const e = Object.entries(c).filter(([, n]) => n > 0);
  return e.length ? e.map(([k, n]) => `${k} ${n}`).join(', ') : 'none';
}

/**
 * One line per non-zero counter: `  duplicate: 3 (same radio transmission ...)`; a counter
 * without a known meaning is still shown, with its name in words.
 */
export function explainedLines(place: string, counters: Record<string, number>, indent = '  '): string[] {
  return Object.entries(counters)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => {
      const m = meaning(place, k);
      return `${indent}${k}: ${n}${m ? ` (${m})` : ''}`;
    });
}

/** The place word for an adapter kind: `ble`, `udp` (semtech-udp), else a serial modem (`lora`). */
export function adapterPlace(kind: string): string {
  if (kind === 'ble') return 'ble';
  if (/udp/.test(kind)) return 'udp';
  return 'lora';
}
