/** What the per-packet handlers may do to the connection (implemented by BrokerConnection). */
import type { Packet } from 'mqtt-packet';

/** The connection as seen by a packet handler. */
export interface PacketContext {
  readonly protocolVersion: 4 | 5;
  /** CONNACK accepted. */
  onConnected(sessionPresent: boolean, limits: { receiveMaximum?: number; serverKeepAlive?: number }): void;
  /** CONNACK refused, or the broker disconnected us (MQTT 5 DISCONNECT); `reason` is for people. */
  onRefused(reason: string, fatal: boolean): void;
  /** PUBACK for `messageId`; `refusal` is set when the broker would not take it (MQTT 5 reason >= 0x80). */
  onPuback(messageId: number, refusal?: PubackRefusal): void;
  /** PINGRESP. */
  onPong(): void;
  /** A packet this client never expects (it never subscribes). */
  onUnexpected(cmd: string): void;
  /** Write a packet. */
  send(packet: Packet): void;
}

/** Why the broker refused one publish, and whether sending it again can ever succeed. */
export interface PubackRefusal {
  /** The reason in words, with its code. */
  reason: string;
  /** True when the same publish will always be refused: it is dropped, not retried. */
  permanent: boolean;
}

/** One handler per incoming packet type. */
export type PacketHandler<P extends Packet = Packet> = (ctx: PacketContext, packet: P) => void;

/** MQTT 5 reason codes (and 3.1.1 CONNACK return codes mapped onto them) in words. */
export const REASONS: Record<number, string> = {
  0x80: 'unspecified error',
  0x81: 'malformed packet',
  0x82: 'protocol error',
  0x83: 'implementation specific error',
  0x84: 'unsupported protocol version',
  0x85: 'client identifier not valid',
  0x86: 'bad user name or password',
  0x87: 'not authorized',
  0x88: 'server unavailable',
  0x89: 'server busy',
  0x8a: 'banned',
  0x8b: 'server shutting down',
  0x8c: 'bad authentication method',
  0x8d: 'keep alive timeout',
  0x8e: 'session taken over',
  0x90: 'topic name invalid',
  0x91: 'packet identifier in use',
  0x93: 'receive maximum exceeded',
  0x94: 'topic alias invalid',
  0x95: 'packet too large',
  0x97: 'quota exceeded',
  0x98: 'administrative action',
  0x99: 'payload format invalid',
  0x9a: 'retain not supported',
  0x9b: 'QoS not supported',
  0x9c: 'use another server',
  0x9d: 'server moved',
  0x9f: 'connection rate exceeded',
};

/** Text for a reason code. */
export function reasonText(code: number): string {
  return `${REASONS[code] ?? 'reason'} (0x${code.toString(16).padStart(2, '0')})`;
}
