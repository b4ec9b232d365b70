import net from 'node:net';

/**
 * A NATS server stand-in that speaks just enough protocol to look healthy (INFO, PONG, a stream
 * info answer) and then never acknowledges a publish: the sink must stay within its bounds.
 * With `noResponders` it answers every publish with status 503, as a JetStream cluster does
 * while the stream has no leader: the stream info still answers, the publishes do not.
 */
export class SilentNatsServer {
  constructor(private readonly noResponders = false) {}

  private readonly server = net.createServer((s) => this.serve(s));
  private readonly sockets = new Set<net.Socket>();
  /** Publishes to data subjects seen (never answered). */
  publishes = 0;
  /** Header flags byte of every copy seen, by Nats-Msg-Id, in arrival order. */
  readonly flags = new Map<string, number[]>();
  /** When each of those copies arrived (performance.now()). */
  readonly arrivals = new Map<string, number[]>();
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private serve(sock: net.Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => undefined);
    // As nats-server (Go sets TCP_NODELAY): no Nagle delay of ~40 ms on each small answer.
    sock.setNoDelay(true);
    const info = { server_id: 'SILENT', server_name: 'silent', version: '2.9.10', proto: 1, headers: true, max_payload: 1048576, jetstream: true, host: '127.0.0.1', port: this.port };
    sock.write(`INFO ${JSON.stringify(info)}\r\n`);
    const subs = new Map<string, string>(); // subject pattern -> sid
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        const line = buf.subarray(0, eol).toString();
        const [op, ...args] = line.split(' ');
        const verb = op.toUpperCase();
        if (verb === 'PUB' || verb === 'HPUB') {
          const total = Number(args[args.length - 1]);
          if (buf.length < eol + 2 + total + 2) return; // wait for the payload
          const payload = buf.subarray(eol + 2, eol + 2 + total);
          const hdrLen = verb === 'HPUB' ? Number(args[args.length - 2]) : 0;
          buf = buf.subarray(eol + 2 + total + 2);
          this.record(payload.subarray(0, hdrLen).toString(), payload.subarray(hdrLen));
          this.onPublish(sock, subs, args[0], args.length >= (verb === 'HPUB' ? 4 : 3) ? args[1] : undefined);
          continue;
        }
        buf = buf.subarray(eol + 2);
        if (verb === 'PING') sock.write('PONG\r\n');
        else if (verb === 'SUB') subs.set(args[0], args[args.length - 1]);
      }
    });
  }

  private record(headers: string, data: Buffer): void {
    const id = /Nats-Msg-Id:\s*(\S+)/i.exec(headers)?.[1];
    if (!id || data.length < 36) return;
    const list = this.flags.get(id) ?? [];
    list.push(data[3]);
    this.flags.set(id, list);
    const times = this.arrivals.get(id) ?? [];
    times.push(performance.now());
    this.arrivals.set(id, times);
  }

  private onPublish(sock: net.Socket, subs: Map<string, string>, subject: string, reply: string | undefined): void {
    if (!subject.startsWith('$JS.API.')) {
      this.publishes++;
      if (this.noResponders && reply) this.answer(sock, subs, reply, 'NATS/1.0 503\r\n\r\n', '');
      return;
    }
    if (!reply) return;
    const name = subject.split('.').pop();
    const body = JSON.stringify({
      type: 'io.nats.jetstream.api.v1.stream_info_response',
      config: { name, subjects: ['lowband.>'], storage: 'file', duplicate_window: 120e9, retention: 'limits', discard: 'old', num_replicas: 1 },
      state: { messages: 0, bytes: 0, first_seq: 0, last_seq: 0, consumer_count: 0 },
      created: new Date().toISOString(),
    });
    this.answer(sock, subs, reply, '', body);
  }

  /** A reply on the client's mux subscription (`<inbox prefix>.*`), with headers when given. */
  private answer(sock: net.Socket, subs: Map<string, string>, reply: string, headers: string, body: string): void {
    for (const [pattern, sid] of subs) {
      if (!pattern.endsWith('.*') || !reply.startsWith(pattern.slice(0, -1))) continue;
      const h = Buffer.byteLength(headers);
      const b = Buffer.byteLength(body);
      sock.write(headers ? `HMSG ${reply} ${sid} ${h} ${h + b}\r\n${headers}${body}\r\n` : `MSG ${reply} ${sid} ${b}\r\n${body}\r\n`);
      return;
    }
  }
}
