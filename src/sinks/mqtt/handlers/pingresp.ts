import type { IPingrespPacket } from 'mqtt-packet';
import type { PacketHandler } from './context';

/** PINGRESP: the connection is alive. */
export const handlePingresp: PacketHandler<IPingrespPacket> = (ctx) => {
  ctx.onPong();
};
