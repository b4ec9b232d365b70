import type { IDisconnectPacket } from 'mqtt-packet';
import { reasonText, type PacketHandler } from './context';

/** MQTT 5 server DISCONNECT: the broker is closing us, with a reason worth logging. */
export const handleDisconnect: PacketHandler<IDisconnectPacket> = (ctx, p) => {
  const extra = p.properties?.reasonString ? `: ${p.properties.reasonString}` : '';
  ctx.onRefused(`broker disconnected us: ${reasonText(p.reasonCode ?? 0)}${extra}`, false);
};
