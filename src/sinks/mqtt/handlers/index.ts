/** Dispatch table: one handler per incoming packet type (the MQTT.js v5 layout). */
import type { Packet, PacketCmd } from 'mqtt-packet';
import type { PacketContext, PacketHandler } from './context';
import { handleConnack } from './connack';
import { handleDisconnect } from './disconnect';
import { handlePingresp } from './pingresp';
import { handlePuback } from './puback';
import { handlePublish } from './publish';
import { handlePubrel } from './pubrel';

export type { PacketContext, PacketHandler, PubackRefusal } from './context';
export { PERMANENT_PUBACK_CODES } from './puback';
export { reasonText } from './context';

const HANDLERS: Partial<Record<PacketCmd, PacketHandler<never>>> = {
  connack: handleConnack,
  puback: handlePuback,
  pingresp: handlePingresp,
  disconnect: handleDisconnect,
  publish: handlePublish,
  pubrel: handlePubrel,
};

/** Routes one parsed packet to its handler; anything else is reported as unexpected. */
export function handlePacket(ctx: PacketContext, packet: Packet): void {
  const h = HANDLERS[packet.cmd] as PacketHandler | undefined;
  if (h) h(ctx, packet);
  else ctx.onUnexpected(packet.cmd);
}
