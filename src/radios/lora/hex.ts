/** Largest LoRa payload (bytes); longer hex cannot be a real reception. */
export const MAX_LORA_PAYLOAD = 255;

/** Decodes modem hex (either case); undefined for empty, odd, non-hex or oversized input. */
export function decodeModemHex(hex: string): Buffer | undefined {
  if (hex.length === 0 || hex.length % 2 !== 0 || hex.length > MAX_LORA_PAYLOAD * 2) return undefined;
  if (!/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  return Buffer.from(hex, 'hex');
}
