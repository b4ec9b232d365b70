/**
 * One test advert of one model, in `lowband decode ble` input form (OpenMQTTGateway's undecoded
 * BTtoMQTT JSON), with the reading it must give. `source` says where the bytes and the expected
 * values come from; for vectors "built from the format" the expected values were worked out by
 * hand from the layout (the arithmetic is in the comment next to each one), not by the decoder.
 */
export interface Vector {
  /** Model id as the Theengs device list names it. */
  model: string;
  source: string;
  input: { id?: string; name?: string; manufacturerdata?: string; servicedata?: string; servicedatauuid?: string };
  /** Decode context: `pair --model` and bindkey (hex). */
  ctx?: { model?: string; bindkey?: string };
  fmt: string;
  /** Every field listed must be present with this value (numbers within 1e-6), null = absent; or the refusal. */
  expect: Record<string, number | string | boolean | null> | { error: string };
}
