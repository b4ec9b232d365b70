import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/schema';
import { BadRequest, HANDLERS } from '../control/handlers';
import type { GatewayServices } from '../control/protocol';
import type { Reading } from '../core/reading';
import { DropCounter } from '../util/drop-counter';
import type { Logger } from '../util/log';
import { DeviceTable } from './device-table';
import { GatewayMetrics } from './metrics';
import { statusPage, type StatusPage } from './page';
import { PairingToken } from './pairing-token';
import { ReadingStream } from './reading-stream';

/** Largest request body accepted (only the pairing POST has one). */
const MAX_BODY_BYTES = 4096;
/** Largest request head (request line + headers); beyond it Node answers 431. */
const MAX_HEADER_BYTES = 8192;

/** The `web` section of the config. */
export type WebConfig = Config['web'];

/** Headers on every response: nothing may frame, sniff or leak from the page. */
const BASE_HEADERS: Record<string, string> = {
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/**
 * The local web page, JSON API and Prometheus metrics (`web.bind`, docs/web.md). It reads the
 * gateway through the same `status()` snapshot as `lowband status` plus a tap of accepted
 * readings, and changes nothing, except pairing when `web.token_file` is configured.
 */
export class WebServer {
  private server: Server | undefined;
  private readonly devices: DeviceTable;
  private readonly stream: ReadingStream;
  private readonly metrics: GatewayMetrics;
  private readonly page: StatusPage;
  private readonly token: PairingToken | undefined;
  /** Bound to loopback only: requests must name a local host (see handle()). */
  private readonly loopback: boolean;
  /** Requests refused, by cause (`not_found`, `method`, `too_large`, `unauthorized`, ...). */
  readonly drops = new DropCounter();

  constructor(
    private readonly cfg: WebConfig,
    private readonly services: GatewayServices,
    private readonly log: Logger,
  ) {
    // Read at construction so an unusable token file is a config error before anything starts.
    this.token = cfg.token_file ? PairingToken.fromFile(cfg.token_file) : undefined;
    this.devices = new DeviceTable(cfg.max_devices, cfg.history_points);
    this.stream = new ReadingStream(cfg.stream_buffer_bytes);
    this.metrics = new GatewayMetrics(
      () => services.status(),
      () => ({
        drops: { ...this.drops.byCause, ...this.stream.drops.byCause },
        streamClients: this.stream.clientCount,
        devices: this.devices.size,
      }),
    );
    this.page = statusPage({ pairing: this.token !== undefined });
    this.loopback = isLoopback(splitHostPort(cfg.bind).host);
  }

  /** The gateway's readings tap: called once for every reading the pipeline accepted. */
  tap(r: Reading, seq: bigint): void {
    // The reading is already accepted: whatever goes wrong here is the page's loss, counted,
    // never thrown back into the pipeline's caller.
    try {
      this.metrics.countReading(r);
      this.devices.record(r, seq);
      if (this.stream.clientCount > 0) this.stream.publish('reading', this.devices.update(`${r.radio}/${r.device}`));
    } catch (err) {
      if (this.drops.count('tap_fault') === 1) this.log.error({ err: (err as Error).message }, 'web: a reading could not be shown');
    }
  }

  async start(): Promise<void> {
    const { host, port } = splitHostPort(this.cfg.bind);
    const server = createServer(
      {
        maxHeaderSize: MAX_HEADER_BYTES,
        headersTimeout: this.cfg.headers_timeout_ms,
        requestTimeout: this.cfg.request_timeout_ms,
        // How often Node looks for requests past those bounds; its default (30 s) would let a
        // slowloris client hold a connection far longer than headers_timeout_ms.
        connectionsCheckingInterval: Math.min(1000, Math.floor(this.cfg.headers_timeout_ms / 2)),
      },
      (req, res) => {
        try {
          this.handle(req, res);
        } catch (err) {
          // A fault while answering is this request's problem, never the gateway's.
          this.drops.count('fault');
          this.log.error({ err: (err as Error).message, path: req.url?.slice(0, 100) }, 'web request failed');
          this.send(res, 500, { error: 'internal error' });
        }
      },
    );
    server.maxConnections = this.cfg.max_connections;
    server.on('drop', () => this.drops.count('too_many_connections'));
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      // A client that went away is no refusal: nothing to answer, nothing to count.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return void socket.destroy();
      // Timeouts, oversized heads and garbage: answered as Node would, and counted.
      const cause = err.code === 'HPE_HEADER_OVERFLOW' ? 'header_too_large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'timeout' : 'bad_request';
      this.drops.count(cause);
      if (!socket.writable) return void socket.destroy();
      const status = cause === 'header_too_large' ? '431 Request Header Fields Too Large' : cause === 'timeout' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error({ err: err.message }, 'web server error'));
    this.server = server;
    const url = this.url();
    if (!isLoopback(host)) this.log.warn({ bind: this.cfg.bind }, 'web page reachable from the network: anyone who can reach it can read the status');
    this.log.info({ url, pairing: this.token !== undefined }, 'web server listening');
  }

  /** `http://host:port` actually bound (port 0 resolved). */
  url(): string {
    const a = this.server?.address() as AddressInfo | null | undefined;
    if (!a) return '';
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.stream.close();
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    if (this.loopback && !isLocalHostHeader(req.headers.host)) {
      // DNS rebinding: a web site whose name now points at 127.0.0.1 must not read the page
      // through a visitor's browser. On loopback the only honest names are local ones.
      this.drops.count('host');
      return this.send(res, 403, { error: 'this server answers to localhost and IP addresses only' });
    }
    if (path === '/api/pair' && method === 'POST' && this.token) return void this.pair(req, res);
    if (method !== 'GET' && method !== 'HEAD') {
      this.drops.count('method');
      return this.send(res, 405, { error: `${method} not allowed: this page is read-only` }, { Allow: 'GET, HEAD', ...closeIfBody(req) });
    }
    // Nothing here reads a body: one sent anyway is refused rather than read and thrown away.
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES || req.headers['transfer-encoding'] !== undefined) return this.tooLarge(res);
    switch (path) {
      case '/':
        return this.send(res, 200, this.page.render({ status: this.services.status(), devices: this.devicesDocument() }), {
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Security-Policy': this.page.csp,
        });
      case '/api/status':
        return this.send(res, 200, this.services.status());
      case '/api/devices':
        return this.send(res, 200, this.devicesDocument());
      case '/api/stream':
        if (method === 'HEAD') return this.send(res, 200, '', { 'Content-Type': 'text/event-stream; charset=utf-8' });
        return this.stream.attach(res, BASE_HEADERS);
      case '/metrics':
        this.metrics.scrape().then(
          (text) => this.send(res, 200, text, { 'Content-Type': this.metrics.contentType }),
          (err: Error) => this.send(res, 500, { error: `metrics: ${err.message}` }),
        );
        return;
      default:
        this.drops.count('not_found');
        return this.send(res, 404, { error: `no such page: ${path.slice(0, 100)}` });
    }
  }

  private devicesDocument() {
    return {
      historyPoints: this.cfg.history_points,
      devices: this.devices.list(),
      nearby: this.services.ble?.nearby() ?? [],
      pairing: this.token !== undefined,
    };
  }

  /** `POST /api/pair` with `Authorization: Bearer <token>` and `{"mac","name"?,"key"?}`. */
  private pair(req: IncomingMessage, res: ServerResponse): void {
    if (!this.token!.accepts(req.headers.authorization)) {
      this.drops.count('unauthorized');
      return this.send(res, 401, { error: 'pairing needs the web token (Authorization: Bearer ...)' }, { 'WWW-Authenticate': 'Bearer' });
    }
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      this.drops.count('bad_request');
      return this.send(res, 415, { error: 'expected Content-Type: application/json' });
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) return this.tooLarge(res);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        return this.tooLarge(res);
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES || res.headersSent) return;
      let args: unknown;
      try {
        args = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        args = undefined;
      }
      if (!args || typeof args !== 'object' || Array.isArray(args)) {
        this.drops.count('bad_request');
        return this.send(res, 400, { error: 'expected a JSON object {"mac", "name"?, "key"?}' });
      }
      Promise.resolve()
        .then(() => HANDLERS.pair(args as Record<string, unknown>, this.services))
        .then(
          (result) => {
            this.log.info({ mac: (result as { mac: string }).mac }, 'paired from the web page');
            this.send(res, 200, result);
          },
          (err: Error) => {
            if (err instanceof BadRequest) return this.send(res, 400, { error: err.message });
            this.log.error({ err: err.message }, 'web pairing failed');
            this.send(res, 500, { error: 'pairing failed' });
          },
        );
    });
  }

  private tooLarge(res: ServerResponse): void {
    this.drops.count('too_large');
    this.send(res, 413, { error: `request body over ${MAX_BODY_BYTES} bytes` }, { Connection: 'close' });
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      ...BASE_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      ...headers,
      'Content-Length': String(Buffer.byteLength(text)),
    });
    res.end(text);
    if (headers.Connection === 'close') res.once('finish', () => res.socket?.destroySoon());
  }
}

/** A refused request whose body is still coming: close the connection rather than read it. */
function closeIfBody(req: IncomingMessage): Record<string, string> {
  return Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES || req.headers['transfer-encoding'] !== undefined ? { Connection: 'close' } : {};
}

function splitHostPort(bind: string): { host: string; port: number } {
  const i = bind.lastIndexOf(':');
  const host = bind.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(bind.slice(i + 1)) };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** `localhost`, an IPv4 or a bracketed IPv6 literal, with an optional port; absent (HTTP/1.0) too. */
function isLocalHostHeader(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost') || /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || /^\[[0-9a-f:.]+\]$/.test(name);
}
