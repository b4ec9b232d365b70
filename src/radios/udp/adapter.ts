import dgram from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { nowUs, type Reading } from '../../core/reading';
import { BoundedMap } from '../../util/bounded-map';
import type { Logger } from '../../util/log';
import { RateLimitedLog } from '../../util/log';
import { DropCounter, type AdapterState, type AdapterStatus, type RadioAdapter, type ReadingSink } from '../adapter';
import { buildAck, parseDatagram, PULL_ACK, PUSH_ACK, readPush, type SemtechError } from './semtech';

/** Config `udp[]` entry. */
export interface UdpIngestConfig {
  name: string;
  bind: string;
  forward_crc_errors: boolean;
}

/** What we know about one packet forwarder (by gateway EUI). */
export interface ForwarderSeen {
  gatewayEui: string;
  /** Last source `address:port`. */
  remote: string;
  lastSeenUs: number;
  protocolVersion: number;
  pushData: number;
  pullData: number;
  /** Datagrams (PUSH_DATA + PULL_DATA) in the last one to two minutes: what `status` ranks by. */
  recentDatagrams: number;
}

/** AdapterStatus plus protocol counters and the busiest forwarders heard from. */
export interface SemtechUdpStatus extends AdapterStatus {
  counters: Record<string, number>;
  /** At most `STATUS_FORWARDERS` forwarders, most recent datagrams first. */
  forwarders: ForwarderSeen[];
  /** Forwarders remembered but not listed (senders with random EUIs must not inflate every status reply). */
  forwardersOmitted: number;
}

/** Forwarders listed in a status reply; a real site has a handful. */
export const STATUS_FORWARDERS = 16;
/** Width of one recent-traffic bucket; `recentDatagrams` covers the current and the previous one. */
const RECENT_BUCKET_US = 60_000_000;

/** A forwarder's record with its recent-traffic buckets. */
interface ForwarderEntry extends Omit<ForwarderSeen, 'recentDatagrams'> {
  bucketStartUs: number;
  thisBucket: number;
  lastBucket: number;
}

/** Counters shown from the start, zero until something happens. */
const COUNTERS = ['datagrams', 'push_data', 'pull_data', 'tx_ack', 'rxpk', 'crc_error', 'crc_forwarded', 'no_crc', 'stat', 'malformed', 'ack_send_error'];

/** Requested kernel receive buffer for the ingest socket. */
const RECV_BUFFER_BYTES = 4 * 1024 * 1024;

/** Forwarders remembered at most; the least recently heard is forgotten first. */
const MAX_FORWARDERS = 1024;

/** Splits `host:port` / `[v6]:port`; returns undefined when it does not fit. */
export function parseBind(bind: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:]+)):(\d{1,5})$/.exec(bind);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? m[2], port };
}

/**
 * Acks go back to the address a datagram came from, always an IP literal: answered at once
 * instead of through dns.lookup, which defers even a literal to the next tick. Names (a bind
 * host) still go to dns.lookup.
 */
const literalAtOnce: NonNullable<dgram.SocketOptions['lookup']> = (host, options, callback) => {
  const family = isIP(host);
  if (family !== 0) callback(null, host, family);
  else dnsLookup(host, options, callback);
};

/**
 * Semtech UDP packet-forwarder ingest (concentrator HATs, `udp[]` in config). Acks PUSH_DATA and
 * PULL_DATA within the turn that read them (see sendAck), emits one provisional reading
 * (`device: 'raw'`) per rxpk for the pipeline's LoraFrameDecoder, drops CRC-failed packets
 * (counted) unless `forward_crc_errors`, and counts and rate-limit-logs malformed datagrams.
 * Nothing a datagram contains can make it throw.
 */
export class SemtechUdpAdapter implements RadioAdapter {
  readonly name: string;
  /** Called with a forwarder's `stat` report (for `sys/` events); errors thrown here are contained. */
  onStat?: (gatewayEui: string, stat: object) => void;
  private socket?: dgram.Socket;
  private emit?: ReadingSink;
  private state: AdapterState = 'stopped';
  private detail?: string;
  private received = 0;
  private lastHeardUs?: number;
  private readonly drops = new DropCounter();
  /** Protocol counters (not drops, but the same shape: one counter per name). */
  private readonly counters = new DropCounter();
  private readonly forwarders = new BoundedMap<string, ForwarderEntry>(MAX_FORWARDERS);
  private readonly rlog: RateLimitedLog;
  /** Acks of this event-loop turn, sent at its end (see sendAck). */
  private acks: { ack: Buffer; port: number; address: string }[] = [];

  constructor(private readonly cfg: UdpIngestConfig, opts: { logger: Logger }) {
    this.name = cfg.name;
    this.rlog = new RateLimitedLog(opts.logger.child({ adapter: cfg.name }));
    for (const k of COUNTERS) this.counters.count(k, 0);
  }

  /** Binds the socket; resolves once listening, rejects when the address cannot be bound. */
  async start(emit: ReadingSink): Promise<void> {
    if (this.socket) throw new Error(`${this.name}: already started`);
    const b = parseBind(this.cfg.bind);
    if (!b) throw new Error(`${this.name}: bind ${JSON.stringify(this.cfg.bind)} is not host:port`);
    this.emit = emit;
    this.state = 'starting';
    const socket = dgram.createSocket({ type: isIP(b.host) === 6 ? 'udp6' : 'udp4', lookup: literalAtOnce });
    this.socket = socket;
    socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => {
        this.state = 'stopped';
        this.detail = `bind ${this.cfg.bind}: ${e.message}`;
        this.socket = undefined;
        socket.close();
        reject(new Error(`${this.name}: cannot bind ${this.cfg.bind}: ${e.message}`));
      };
      socket.once('error', onError);
      socket.bind(b.port, b.host, () => {
        socket.off('error', onError);
        socket.on('error', (e) => {
          this.state = 'degraded';
          this.detail = e.message;
          this.rlog.error('socket', { err: e.message }, 'UDP socket error');
        });
        try {
          // A concentrator delivers bursts (8+ channels at once): a bigger kernel buffer rides them out.
          socket.setRecvBufferSize(RECV_BUFFER_BYTES);
        } catch {
          // The kernel may cap it (net.core.rmem_max); the default still works.
        }
        this.state = 'running';
        const a = socket.address();
        this.detail = `listening on ${a.address}:${a.port}`;
        resolve();
      });
    });
  }

  /** Closes the socket; safe to call twice. */
  async stop(): Promise<void> {
    // Acks still queued for this turn go out first: their readings have been passed on.
    this.flushAcks();
    const s = this.socket;
    this.socket = undefined;
    this.emit = undefined;
    this.state = 'stopped';
    if (!s) return;
    await new Promise<void>((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  /** The bound address (tests bind port 0 and read the port here), or null before start. */
  address(): { address: string; port: number } | null {
    if (!this.socket || this.state === 'stopped' || this.state === 'starting') return null;
    try {
      const a = this.socket.address();
      return { address: a.address, port: a.port };
    } catch {
      return null;
    }
  }

  status(): SemtechUdpStatus {
    const now = nowUs();
    const all: ForwarderSeen[] = [];
    for (const f of this.forwarders.values()) {
      const { bucketStartUs: _s, thisBucket: _t, lastBucket: _l, ...seen } = f;
      all.push({ ...seen, recentDatagrams: recentDatagrams(f, now) });
    }
    all.sort((a, b) => b.recentDatagrams - a.recentDatagrams || b.lastSeenUs - a.lastSeenUs);
    const listed = all.slice(0, STATUS_FORWARDERS);
    return {
      name: this.name,
      kind: 'semtech-udp',
      state: this.state,
      detail: this.detail,
      lastHeardUs: this.lastHeardUs,
      received: this.received,
      drops: { ...this.drops.byCause },
      counters: { ...this.counters.byCause },
      forwarders: listed,
      forwardersOmitted: all.length - listed.length,
    };
  }

  private malformed(e: SemtechError, remote: string): void {
    this.counters.count('malformed');
    this.drops.count('malformed');
    this.rlog.warn(`malformed-${e.cause}`, { cause: e.cause, detail: e.detail, remote }, 'malformed Semtech UDP datagram');
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const remote = `${rinfo.address}:${rinfo.port}`;
    try {
      this.counters.count('datagrams');
      const p = parseDatagram(msg);
      if (!p.ok) {
        // A forwarder whose JSON we dislike is still reachable: ack it so it does not report the link down.
        if (p.header?.type === 'PUSH_DATA') this.sendAck(buildAck(p.header, PUSH_ACK), rinfo);
        return this.malformed(p.error, remote);
      }
      const d = p.datagram;
      if (d.type === 'PUSH_DATA' || d.type === 'PULL_DATA') {
        // Ack before looking at the JSON: acks measure link quality, not payload validity.
        this.sendAck(buildAck(d, d.type === 'PUSH_DATA' ? PUSH_ACK : PULL_ACK), rinfo);
      }
      this.seen(d.gatewayEui, remote, d.version, d.type);
      if (d.type === 'PULL_DATA') {
        this.counters.count('pull_data');
        return;
      }
      if (d.type === 'TX_ACK') {
        this.counters.count('tx_ack');
        const ack = d.json?.txpk_ack as Record<string, unknown> | undefined;
        if (ack && typeof ack === 'object' && typeof ack.error === 'string' && ack.error !== 'NONE') {
          this.rlog.warn(`txack-${d.gatewayEui}`, { gateway: d.gatewayEui, error: ack.error.slice(0, 64) }, 'forwarder reported a downlink error');
        }
        return;
      }
      this.counters.count('push_data');
      const push = readPush(d.json);
      for (const e of push.errors) this.malformed(e, remote);
      if (push.stat) {
        this.counters.count('stat');
        if (this.onStat) {
          try {
            this.onStat(d.gatewayEui, push.stat);
          } catch (e) {
            this.rlog.error('onstat', { err: e instanceof Error ? e.message : String(e) }, 'gateway stat handler failed');
          }
        }
      }
      // One receive time for the whole datagram: its packets arrived together.
      const timeUs = nowUs();
      for (const pk of push.packets) {
        this.counters.count('rxpk');
        if (pk.stat === -1) {
          this.counters.count('crc_error');
          if (!this.cfg.forward_crc_errors) {
            this.drops.count('crc');
            continue;
          }
          this.counters.count('crc_forwarded');
        } else if (pk.stat === 0) {
          this.counters.count('no_crc');
        }
        const r: Reading = { radio: 'lora', device: 'raw', src: this.name, raw: pk.raw, timeUs, freq: pk.freq, dr: pk.dr };
        if (pk.rssi !== undefined) r.rssi = pk.rssi;
        if (pk.snr !== undefined) r.snr = pk.snr;
        this.deliver(r);
      }
    } catch (e) {
      // Defensive: nothing from the network may take the gateway down.
      this.counters.count('malformed');
      this.drops.count('internal');
      this.rlog.error('internal', { err: e instanceof Error ? e.message : String(e), remote }, 'Semtech UDP datagram handling failed');
    }
  }

  private deliver(r: Reading): void {
    const emit = this.emit;
    if (!emit) return;
    try {
      emit(r);
      this.received++;
      this.lastHeardUs = r.timeUs;
    } catch (e) {
      this.drops.count('sink_error');
      this.rlog.error('sink', { err: e instanceof Error ? e.message : String(e) }, 'reading sink threw');
    }
  }

  /**
   * Acks wait for the end of this event-loop turn and go out together. On loopback, where a
   * forwarder usually runs, each send wakes the forwarder inside our syscall; a burst of
   * datagrams read in one turn then costs one wake-up, not one per datagram (about 0.6 µs per
   * reading in the UDP bench). A forwarder waits 100 ms or more for its ack; a turn takes
   * milliseconds.
   */
  private sendAck(ack: Buffer, rinfo: dgram.RemoteInfo): void {
    if (!this.socket) return;
    if (this.acks.push({ ack, port: rinfo.port, address: rinfo.address }) === 1) setImmediate(this.flushAcks);
  }

  private readonly flushAcks = (): void => {
    const acks = this.acks;
    this.acks = [];
    const s = this.socket;
    if (!s) return;
    for (const a of acks) {
      try {
        s.send(a.ack, a.port, a.address, this.onAckSent);
      } catch (e) {
        this.ackFailed(e);
      }
    }
  };

  private readonly onAckSent = (e: Error | null): void => {
    if (e) this.ackFailed(e);
  };

  private ackFailed(e: unknown): void {
    this.counters.count('ack_send_error');
    this.rlog.warn('ack', { err: e instanceof Error ? e.message : String(e) }, 'could not send ack');
  }

  private seen(gatewayEui: string, remote: string, version: number, type: string): void {
    const now = nowUs();
    const f = this.forwarders.get(gatewayEui) ?? { gatewayEui, remote, lastSeenUs: 0, protocolVersion: version, pushData: 0, pullData: 0, bucketStartUs: now, thisBucket: 0, lastBucket: 0 };
    f.remote = remote;
    f.lastSeenUs = now;
    f.protocolVersion = version;
    if (type === 'PUSH_DATA') f.pushData++;
    if (type === 'PULL_DATA') f.pullData++;
    if (type === 'PUSH_DATA' || type === 'PULL_DATA') {
      roll(f, now);
      f.thisBucket++;
    }
    this.forwarders.set(gatewayEui, f);
  }
}

/** Moves `f`'s buckets on to the one `now` falls in. */
function roll(f: ForwarderEntry, now: number): void {
  const passed = Math.floor((now - f.bucketStartUs) / RECENT_BUCKET_US);
  if (passed <= 0) return;
  f.lastBucket = passed === 1 ? f.thisBucket : 0;
  f.thisBucket = 0;
  f.bucketStartUs += passed * RECENT_BUCKET_US;
}

function recentDatagrams(f: ForwarderEntry, now: number): number {
  const passed = Math.floor((now - f.bucketStartUs) / RECENT_BUCKET_US);
  if (passed <= 0) return f.thisBucket + f.lastBucket;
  return passed === 1 ? f.thisBucket : 0;
}
