import type { ServerResponse } from 'node:http';
import { DropCounter } from '../util/drop-counter';

/** Comment line sent when nothing else was, so idle proxies and browsers keep the stream open. */
const KEEPALIVE_MS = 15_000;

/**
 * The live stream of readings as server-sent events (`GET /api/stream`). Each client's unsent
 * bytes are bounded: a client that does not read is cut and counted (`slow_client`), so a
 * stuck browser tab never holds the gateway's memory.
 */
export class ReadingStream {
  private readonly clients = new Set<ServerResponse>();
  readonly drops = new DropCounter();
  private readonly keepalive: NodeJS.Timeout;
  /** Events written to clients, all clients together. */
  sent = 0;

  constructor(private readonly maxBufferBytes: number) {
    this.keepalive = setInterval(() => this.write(': keepalive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Turns `res` into an event stream that lasts until the client goes or is cut. */
  attach(res: ServerResponse, headers: Record<string, string>): void {
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    // The browser's reconnect delay; the first line also tells the client the stream is live.
    res.write('retry: 2000\n: lowband readings\n\n');
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  /** One event to every client; a client over its buffer bound is cut instead. */
  publish(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(chunk: string): void {
    for (const res of this.clients) {
      if (res.writableLength + chunk.length > this.maxBufferBytes) {
        this.clients.delete(res);
        this.drops.count('slow_client');
        res.destroy();
        continue;
      }
      res.write(chunk);
      this.sent++;
    }
  }

  /** Ends every stream (gateway stop). */
  close(): void {
    clearInterval(this.keepalive);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
