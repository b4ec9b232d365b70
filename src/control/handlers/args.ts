/** Thrown by a handler for a request the caller got wrong; its message goes back verbatim. */
export class BadRequest extends Error {}

const MAC_COLON = /^([0-9A-Fa-f]{2})([:-][0-9A-Fa-f]{2}){5}$/;
const MAC_BARE = /^[0-9A-Fa-f]{12}$/;

/** Normalises `aa:bb:..`, `AA-BB-..` or `aabbcc..` to `AA:BB:CC:DD:EE:FF`; BadRequest otherwise. */
export function normaliseMac(v: unknown): string {
  if (typeof v !== 'string') throw new BadRequest('mac: expected a Bluetooth address like AA:BB:CC:DD:EE:FF');
  const s = v.trim();
  let hex: string;
  if (MAC_COLON.test(s)) hex = s.replace(/[:-]/g, '');
  else if (MAC_BARE.test(s)) hex = s;
  else throw new BadRequest(`mac: "${s.slice(0, 40)}" is not a Bluetooth address like AA:BB:CC:DD:EE:FF`);
  return hex.toUpperCase().match(/../g)!.join(':');
}

/** An optional string argument. */
export function optionalString(args: Record<string, unknown>, key: string, max = 64): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > max) {
    throw new BadRequest(`${key}: expected a text of 1-${max} characters`);
  }
  return v;
}
