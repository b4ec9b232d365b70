/** Thrown by a handler for a request the caller got wrong; its message goes back verbatim. */
export class BadRequest extends Error {}

/** An optional string argument. */
export function optionalString(args: Record<string, unknown>, key: string, max = 64): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > max) {
    throw new BadRequest(`${key}: expected a text of 1-${max} characters`);
  }
  return v;
}
