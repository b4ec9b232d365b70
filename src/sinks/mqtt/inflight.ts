/**
 * QoS 1 publishes accepted by the sink and not yet PUBACKed, in order. The cursor may only
 * advance past a message once it and everything before it are acknowledged, so acks are folded
 * into a contiguous "done" prefix whatever order the broker sends them in. After a reconnect
 * every unacknowledged publish is sent again, in the original order, with DUP set.
 */
import type { IPublishPacket } from 'mqtt-packet';
import { Fifo } from '../../util/fifo';

/** MQTT packet ids are 1..65535: no more publishes than this can be unacknowledged at once. */
export const MAX_PACKET_IDS = 65535;

/** One outgoing QoS 1 publish. */
export interface Outgoing {
  packet: IPublishPacket;
  /** Log seq when this publish carries a log entry; control messages (status, discovery) have none. */
  seq?: bigint;
  /** Discovery id, so a refused config is announced again later. */
  announce?: string;
  done: boolean;
  /** Written on the current connection (counts against the broker's receive window). */
  sentNow: boolean;
  /** Written on some connection before: a resend carries DUP. */
  everSent: boolean;
  /** Refused for a temporary reason and waiting for its retry time: not sent until released. */
  held?: boolean;
  /** How many times the broker refused it for a temporary reason. */
  refusals?: number;
}

/** The in-flight window. */
export class InFlight {
  /** Every entry not yet popped as part of the acknowledged prefix, in order. */
  private readonly queue = new Fifo<Outgoing>();
  /** Index into `queue` (0 = its oldest) of the next entry to consider for sending. */
  private sendIdx = 0;
  private readonly byId = new Map<number, Outgoing>();
  private nextId = 1;
  private sentCount = 0;
  /** Notices that go before everything unsent (addFront) until acknowledged; one or two at most. */
  private front: Outgoing[] = [];
  /** Refused publishes whose backoff is over: they go before anything newer. */
  private readonly retryReady = new Fifo<Outgoing>();

  /** Unacknowledged publishes, sent or waiting to be sent. */
  get size(): number {
    return this.byId.size;
  }

  /** Packet ids still free. */
  get free(): number {
    return MAX_PACKET_IDS - this.byId.size;
  }

  /** Publishes written on this connection and not yet acknowledged. */
  get sent(): number {
    return this.sentCount;
  }

  /**
   * Registers a publish, giving it a free packet id (1..65535). Undefined when every id is taken:
   * callers check `free` first, and this runs inside packet handlers where a throw would be fatal.
   */
  add(packet: Omit<IPublishPacket, 'messageId'>, seq?: bigint, announce?: string): Outgoing | undefined {
    if (this.byId.size >= MAX_PACKET_IDS) return undefined;
    while (this.byId.has(this.nextId)) this.nextId = this.nextId === 65535 ? 1 : this.nextId + 1;
    const o: Outgoing = { packet: { ...packet, messageId: this.nextId }, seq, announce, done: false, sentNow: false, everSent: false };
    this.nextId = this.nextId === 65535 ? 1 : this.nextId + 1;
    this.byId.set(o.packet.messageId!, o);
    this.queue.push(o);
    return o;
  }

  /**
   * Registers a publish that goes out before everything unsent (the `online` notice on connect).
   * Only valid right after resetForResend, when nothing is sent on the new connection yet.
   */
  addFront(packet: Omit<IPublishPacket, 'messageId'>): Outgoing | undefined {
    const o = this.add(packet);
    if (o) this.front.push(o);
    return o;
  }

  /** A log entry that needs no publish (undecodable): it still holds its place in the order. */
  skip(seq: bigint): void {
    this.queue.push({ packet: undefined as unknown as IPublishPacket, seq, done: true, sentNow: false, everSent: false });
  }

  /**
   * The next publish to write (oldest unsent, DUP set when it went out before), or undefined.
   * Marks it sent on this connection.
   */
  nextToSend(): IPublishPacket | undefined {
    for (const o of this.front) if (!o.done && !o.sentNow && !o.held) return this.markSent(o);
    for (let o = this.retryReady.shift(); o; o = this.retryReady.shift()) {
      if (!o.done && !o.sentNow && !o.held) return this.markSent(o);
    }
    while (this.sendIdx < this.queue.length) {
      const o = this.queue.at(this.sendIdx++)!;
      if (o.done || o.sentNow || o.held) continue;
      return this.markSent(o);
    }
    return undefined;
  }

  private markSent(o: Outgoing): IPublishPacket {
    o.sentNow = true;
    this.sentCount++;
    const packet = o.everSent ? { ...o.packet, dup: true } : o.packet;
    o.everSent = true;
    return packet;
  }

  /**
   * The broker refused packet `id` for a temporary reason: it stays in flight (the cursor cannot
   * pass it) but is not sent again until `release`. Returns the entry, undefined for an unknown id.
   */
  hold(id: number): Outgoing | undefined {
    const o = this.byId.get(id);
    if (!o) return undefined;
    if (o.sentNow) {
      o.sentNow = false;
      this.sentCount--;
    }
    o.held = true;
    o.refusals = (o.refusals ?? 0) + 1;
    // That exchange is over (the broker answered it), so the retry is a new publish, not a DUP.
    o.everSent = false;
    return o;
  }

  /** A held publish's backoff is over: send it before anything newer. */
  release(o: Outgoing): void {
    if (!o.held) return;
    o.held = false;
    if (!o.done) this.retryReady.push(o);
  }

  /** Discovery ids of configs still waiting for their PUBACK (they will be resent). */
  pendingAnnouncements(): string[] {
    const ids: string[] = [];
    for (const o of this.byId.values()) if (o.announce) ids.push(o.announce);
    return ids;
  }

  /** The connection is gone: everything unacknowledged must be sent again on the next one. */
  resetForResend(): void {
    for (const o of this.queue) o.sentNow = false;
    this.sendIdx = 0;
    this.sentCount = 0;
    // The scan from the oldest finds released retries again, in their original order.
    this.retryReady.clear();
  }

  /**
   * Marks packet `id` acknowledged. Returns the acknowledged entry (undefined for an unknown id)
   * and the highest log seq now safe to commit (undefined when none became safe).
   */
  ack(id: number): { acked?: Outgoing; commit?: bigint } {
    const o = this.byId.get(id);
    if (!o) return {};
    this.byId.delete(id);
    o.done = true;
    if (this.front.includes(o)) this.front = this.front.filter((f) => f !== o);
    o.held = false;
    if (o.sentNow) {
      o.sentNow = false;
      this.sentCount--;
    }
    return { acked: o, commit: this.advance() };
  }

  /** Pops the done prefix; returns the last log seq popped. */
  advance(): bigint | undefined {
    let commit: bigint | undefined;
    while (this.queue.peek()?.done) {
      const s = this.queue.shift()!.seq;
      if (s !== undefined) commit = s;
      if (this.sendIdx > 0) this.sendIdx--;
    }
    return commit;
  }
}
