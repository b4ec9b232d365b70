import type { IPubackPacket } from 'mqtt-packet';
import { reasonText, type PacketHandler } from './context';

/**
 * PUBACK reason codes (MQTT 5, 3.4.2.1) that depend only on the publish itself (its topic, its
 * payload, our permissions), so resending the same publish is refused again. The rest (0x80
 * unspecified, 0x83 implementation specific, 0x91 packet id in use, 0x97 quota exceeded, and any
 * unknown code) describe the broker's state at that moment: retried with backoff.
 * 0x95/0x9a/0x9b are not PUBACK codes in the spec, but a broker that sends them anyway is judging
 * the packet's size, retain flag or QoS, which never change for this publish.
 */
export const PERMANENT_PUBACK_CODES: ReadonlySet<number> = new Set([
  0x87, // not authorized: the ACL rejects this topic for our credentials
  0x90, // topic name invalid: the topic is fixed for this publish
  0x99, // payload format invalid: the payload is fixed for this publish
  0x95, // packet too large
  0x9a, // retain not supported (discovery configs, status)
  0x9b, // QoS not supported
]);

/** PUBACK: the broker took, or (MQTT 5 reason >= 0x80) refused, one QoS 1 publish. */
export const handlePuback: PacketHandler<IPubackPacket> = (ctx, p) => {
  if (p.messageId === undefined) return;
  const code = p.reasonCode ?? 0;
  // 0x10 "no matching subscribers" is a success.
  ctx.onPuback(p.messageId, code >= 0x80 ? { reason: reasonText(code), permanent: PERMANENT_PUBACK_CODES.has(code) } : undefined);
};
