import type { IPubrelPacket } from 'mqtt-packet';
import type { PacketHandler } from './context';

/** PUBREL (second step of an unexpected QoS 2 delivery, see publish.ts): complete it. */
export const handlePubrel: PacketHandler<IPubrelPacket> = (ctx, p) => {
  if (p.messageId !== undefined) ctx.send({ cmd: 'pubcomp', messageId: p.messageId });
};
