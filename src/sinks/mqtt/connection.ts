/**
 * The MQTT sink's link to its broker: transport (net or TLS), CONNECT/CONNACK, keepalive pings,
 * and reconnects with jittered backoff. It knows nothing of the log: it reports the session
 * going up and down and each PUBACK to its listener (the pump), and writes what it is given.
 */
import net from 'node:net';
import tls from 'node:tls';
import { generate, parser as mqttParser, type Packet, writeToStream } from 'mqtt-packet';
import type { RateLimitedLog, Logger } from '../../util/log';
import { handlePacket, type PacketContext, type PubackRefusal } from './handlers';
import type { MqttEndpoint, MqttTuning } from './options';

// mqtt-packet's first write fills a cache of 65,536 two-byte Buffers (one per 16-bit number): in a
// heap snapshot of lowband with all sinks at 1,000 readings/s, 65,547 of its 88k Buffer objects,
// ~6 MB of the heap. Without it a packet id or length is a fresh 2-byte Buffer per packet (its
// README: set before the first write).
writeToStream.cacheNumbers = false;

/** What the connection tells the side that publishes. */
export interface SessionListener {
  /** CONNACK accepted; `receiveMaximum` is the MQTT 5 broker's publish window, if it set one. */
  up(sessionPresent: boolean, receiveMaximum: number | undefined): void;
  /** The socket is gone: everything unacknowledged must be sent again on the next session. */
  down(): void;
  /** PUBACK for `messageId`; `refusal` is set when the broker would not take it. */
  puback(messageId: number, refusal?: PubackRefusal): void;
}

/** One connection attempt: its socket and timers. A stale one's events are ignored. */
interface Attempt {
  socket: net.Socket;
  up: boolean;
  pingOutstanding: boolean;
  corked?: boolean;
  connectTimer?: NodeJS.Timeout;
  pingTimer?: NodeJS.Timeout;
  closed: Promise<void>;
}

/** TLS verification failures: the certificate, not the network, is the problem. */
const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED',
]);

/** The broker link (wire spec section 2.3); packet handlers see it only as a PacketContext. */
export class BrokerConnection implements PacketContext {
  private attempt: Attempt | undefined;
  /** `connecting`, `connected`, `disconnected`, `stopped`. */
  state = 'stopped';
  lastError: string | undefined;
  sessionPresent = false;
  reconnects = 0;
  private attempts = 0;
  private connections = 0;
  private fatalRefusal = false;
  private closing = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ep: MqttEndpoint,
    readonly protocolVersion: 4 | 5,
    private readonly keepaliveS: number,
    private readonly tuning: MqttTuning,
    private readonly log: Logger,
    private readonly rl: RateLimitedLog,
    private readonly listener: SessionListener,
  ) {}

  /** A session is up: writes reach the broker. */
  get up(): boolean {
    return this.attempt?.up ?? false;
  }

  /** Writes a packet on the current session; dropped when there is none (it is resent later). */
  send(packet: Packet): void {
    const a = this.attempt;
    if (a?.up && !a.socket.destroyed) a.socket.write(generate(packet, { protocolVersion: this.protocolVersion }));
  }

  /** Coalesces what is written in this tick into one syscall instead of one per packet. */
  batch(): void {
    const a = this.attempt;
    if (!a?.up || a.corked) return;
    a.corked = true;
    a.socket.cork();
    process.nextTick(() => {
      a.corked = false;
      a.socket.uncork();
    });
  }

  /** Cuts the socket as a dead network would (no DISCONNECT, so the broker sends the will). */
  drop(): void {
    this.attempt?.socket.destroy();
  }

  connect(): void {
    if (this.closing) return;
    const ep = this.ep;
    this.state = 'connecting';
    let socket: net.Socket;
    try {
      socket = ep.tls ? tls.connect(ep.tlsOptions) : net.connect({ host: ep.host, port: ep.port });
    } catch (err) {
      this.lastError = `${ep.broker}: ${(err as Error).message}`;
      this.state = 'disconnected';
      this.rl.warn('mqtt-connect', { broker: ep.broker, reason: this.lastError }, 'mqtt connect failed');
      this.scheduleReconnect();
      return;
    }
    socket.setNoDelay(true);
    let onClosed: () => void = () => {};
    const a: Attempt = { socket, up: false, pingOutstanding: false, closed: new Promise((r) => (onClosed = r)) };
    this.attempt = a;
    const parser = mqttParser({ protocolVersion: this.protocolVersion });
    parser.on('packet', (p: Packet) => {
      if (this.attempt !== a) return;
      a.pingOutstanding = false;
      handlePacket(this, p);
    });
    parser.on('error', (err: Error) => this.fail(a, `malformed packet from the broker: ${err.message}`));
    socket.once(ep.tls ? 'secureConnect' : 'connect', () => {
      if (this.attempt !== a) return;
      if (this.keepaliveS > 0) socket.setKeepAlive(true, this.keepaliveS * 1000);
      socket.write(generate(ep.connect, { protocolVersion: this.protocolVersion }));
    });
    socket.on('data', (d: Buffer) => {
      if (this.attempt === a) parser.parse(d);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.lastError = this.describe(err);
    });
    socket.on('close', () => {
      onClosed();
      this.onClose(a);
    });
    a.connectTimer = setTimeout(
      () => this.fail(a, `no CONNACK from ${ep.broker} within ${this.tuning.connectTimeoutMs} ms`),
      this.tuning.connectTimeoutMs,
    );
  }

  /** No more reconnects; the current session stays until `close`. */
  stopReconnecting(): void {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
  }

  /** Ends the session: DISCONNECT when up, then the socket (destroyed after 1 s if it lingers). */
  async close(): Promise<void> {
    this.stopReconnecting();
    const a = this.attempt;
    if (!a) {
      this.state = 'stopped';
      return;
    }
    if (a.up) {
      this.send(this.protocolVersion === 5 ? { cmd: 'disconnect', reasonCode: 0 } : { cmd: 'disconnect' });
      a.socket.end();
      const timer = setTimeout(() => a.socket.destroy(), 1000);
      await a.closed;
      clearTimeout(timer);
    } else {
      a.socket.destroy();
      await a.closed;
    }
    this.state = 'stopped';
  }

  private describe(err: NodeJS.ErrnoException): string {
    const ep = this.ep;
    const code = err.code ?? '';
    if (TLS_TRUST_CODES.has(code)) {
      return `TLS: the broker certificate of ${ep.broker} is not trusted (${code}: ${err.message}); check upstream.mqtt.ca_file and the broker's host name`;
    }
    if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /SSL|TLS/.test(err.message)) {
      return `TLS handshake with ${ep.broker} failed (${code || 'error'}: ${err.message})`;
    }
    if (code === 'ECONNREFUSED') return `connection refused by ${ep.broker}`;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot resolve ${ep.host} (${code})`;
    return `${ep.broker}: ${code ? code + ' ' : ''}${err.message}`;
  }

  private fail(a: Attempt, reason: string): void {
    this.lastError = reason;
    a.socket.destroy();
  }

  private onClose(a: Attempt): void {
    clearTimeout(a.connectTimer);
    clearInterval(a.pingTimer);
    if (this.attempt !== a) return;
    this.attempt = undefined;
    const wasUp = a.up;
    a.up = false;
    this.listener.down();
    if (this.closing) return;
    this.state = 'disconnected';
    const reason = this.lastError ?? 'connection closed';
    if (wasUp) this.log.warn({ broker: this.ep.broker, reason }, 'mqtt connection lost');
    else this.rl.warn('mqtt-connect', { broker: this.ep.broker, reason }, 'mqtt connect failed');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const { reconnectMinMs: min, reconnectMaxMs: max } = this.tuning;
    this.attempts++;
    const base = this.fatalRefusal ? max : Math.min(max, min * 2 ** Math.min(this.attempts - 1, 30));
    // Jitter in [base/2, base]: many gateways behind one broker restart must not reconnect in step.
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  // --- PacketContext (called by handlers/) ----------------------------------------------

  onConnected(sessionPresent: boolean, limits: { receiveMaximum?: number; serverKeepAlive?: number }): void {
    const a = this.attempt!;
    clearTimeout(a.connectTimer);
    a.up = true;
    this.state = 'connected';
    this.attempts = 0;
    this.fatalRefusal = false;
    this.lastError = undefined;
    this.sessionPresent = sessionPresent;
    if (this.connections++ > 0) this.reconnects++;
    this.rl.reset('mqtt-connect');
    const keepalive = limits.serverKeepAlive ?? this.keepaliveS;
    if (keepalive > 0) {
      a.pingTimer = setInterval(() => {
        if (a.pingOutstanding) {
          this.fail(a, `no answer from ${this.ep.broker} within the ${keepalive} s keepalive: connection dead`);
          return;
        }
        a.pingOutstanding = true;
        this.send({ cmd: 'pingreq' });
      }, keepalive * 1000);
      a.pingTimer.unref();
    }
    this.log.info({ broker: this.ep.broker, sessionPresent }, 'mqtt connected');
    this.listener.up(sessionPresent, limits.receiveMaximum);
  }

  onRefused(reason: string, fatal: boolean): void {
    this.lastError = reason;
    this.fatalRefusal = fatal;
    this.log.error({ broker: this.ep.broker, reason }, 'mqtt broker refused us');
    this.attempt?.socket.destroy();
  }

  onPuback(messageId: number, refusal?: PubackRefusal): void {
    this.listener.puback(messageId, refusal);
  }

  onPong(): void {
    // Any packet already cleared pingOutstanding.
  }

  onUnexpected(cmd: string): void {
    this.rl.warn(`mqtt-unexpected-${cmd}`, { cmd }, 'mqtt packet not expected from the broker; ignored');
  }
}
