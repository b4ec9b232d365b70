import type { IPubackPacket } from 'mqtt-packet';
import { reasonText, type PacketHandler } from './context';

/** PUBACK: the broker took (or, MQTT 5 reason >= 0x80, definitively refused) one QoS 1 publish. */
export const handlePuback: PacketHandler<IPubackPacket> = (ctx, p) => {
  if (p.messageId === undefined) return;
  const code = p.reasonCode ?? 0;
  // 0x10 "no matching subscribers" is a success.
  ctx.onPuback(p.messageId, code >= 0x80 ? reasonText(code) : undefined);
};
