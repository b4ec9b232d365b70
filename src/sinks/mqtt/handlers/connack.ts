import type { IConnackPacket } from 'mqtt-packet';
import { reasonText, type PacketHandler } from './context';

/** MQTT 3.1.1 CONNACK return codes, mapped to the MQTT 5 reason codes with the same meaning. */
const V4_CODES: Record<number, number> = { 1: 0x84, 2: 0x85, 3: 0x88, 4: 0x86, 5: 0x87 };
/** Refusals that retrying with the same settings cannot fix: back off to the maximum delay. */
const FATAL = new Set([0x84, 0x85, 0x86, 0x87, 0x8a, 0x8c]);

/** CONNACK: the session is up, or the broker said why not. */
export const handleConnack: PacketHandler<IConnackPacket> = (ctx, p) => {
  const raw = ctx.protocolVersion === 5 ? p.reasonCode ?? 0 : p.returnCode ?? 0;
  if (raw === 0) {
    ctx.onConnected(p.sessionPresent, {
      receiveMaximum: p.properties?.receiveMaximum,
      serverKeepAlive: p.properties?.serverKeepAlive,
    });
    return;
  }
  const code = ctx.protocolVersion === 5 ? raw : V4_CODES[raw] ?? 0x80;
  const extra = p.properties?.reasonString ? `: ${p.properties.reasonString}` : '';
  ctx.onRefused(`broker refused the connection: ${reasonText(code)}${extra}`, FATAL.has(code));
};
