import type { IPublishPacket } from 'mqtt-packet';
import type { PacketHandler } from './context';

/**
 * PUBLISH from the broker: we never subscribe, but a persistent session created by another
 * client with our id may hold subscriptions. Acknowledge so the broker stops resending.
 */
export const handlePublish: PacketHandler<IPublishPacket> = (ctx, p) => {
  if (p.qos === 1 && p.messageId !== undefined) ctx.send({ cmd: 'puback', messageId: p.messageId });
  else if (p.qos === 2 && p.messageId !== undefined) ctx.send({ cmd: 'pubrec', messageId: p.messageId });
  ctx.onUnexpected('publish');
};
