import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AbpDevice } from '../../hardware/emulators/lorawan-device';
import { callControl } from '../../src/control/client';
import type { GatewayStatus } from '../../src/control/protocol';
import type { SinkStatus } from '../../src/sinks/sink';
import { writeTestConfig } from './gateway-config';
import { LowbandProcess, until } from './processes';
import { FakeForwarder, udpPortFromStatus } from './semtech';

/**
 * A `lowband run` child with a Semtech UDP ingest and `upstream.nats`, everything under `dir`:
 * what the NATS end-to-end tests drive. `stop` ends the process (SIGKILL by default, as a crash).
 */
export class NatsGateway {
  proc: LowbandProcess | undefined;
  private fwd: FakeForwarder | undefined;
  readonly cfg: { path: string; control: string };

  constructor(dir: string, nats: Record<string, unknown>, id = 'test-gw') {
    mkdirSync(dir, { recursive: true });
    this.cfg = writeTestConfig(dir, {
      gateway: { id },
      udp: [{ name: 'udp0', bind: '127.0.0.1:0' }],
      upstream: { publish: { bind: [`ipc://${join(dir, 'pub.sock')}`] }, nats: { reconnect_min_ms: 50, reconnect_max_ms: 500, ...nats } },
      spool: { fsync_ms: 20 },
    });
  }

  async start(): Promise<void> {
    this.proc = new LowbandProcess(['run', '--config', this.cfg.path]);
    await this.proc.waitForMsg('gateway started');
    this.fwd?.close();
    this.fwd = new FakeForwarder(await until('udp port', async () => udpPortFromStatus(await this.status(), 'udp0')));
  }

  status(): Promise<GatewayStatus> {
    return callControl(this.cfg.control, 'status', {}, 5000) as Promise<GatewayStatus>;
  }

  async nats(): Promise<SinkStatus> {
    return (await this.status()).sinks.find((k) => k.kind === 'nats')!;
  }

  /** Errors of the NATS sink by cause. */
  async errors(): Promise<Record<string, number>> {
    return ((await this.nats()).errors ?? {}) as Record<string, number>;
  }

  /** One PUSH_DATA per `batch` datagrams, letting the event loop breathe in between. */
  async push(uplinks: Buffer[], batch = 10): Promise<void> {
    for (let i = 0; i < uplinks.length; i += batch) {
      await this.fwd!.push(uplinks.slice(i, i + batch));
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Resolves once the gateway accepted `n` readings in this run. */
  accepted(n: number): Promise<true> {
    return until(`gateway to accept ${n}`, async () => ((await this.status()).readings.total >= n ? true : undefined), 20_000, 50);
  }

  /** Resolves once everything in the spool is acknowledged by the stream. */
  async drained(timeoutMs = 60_000): Promise<true> {
    let last: SinkStatus | undefined;
    try {
      return await until('everything in the stream', async () => {
        const n = (last = await this.nats());
        return (n.backlog.messages === 0 && n.inFlight === 0 && n.state === 'connected') || undefined;
      }, timeoutMs, 100);
    } catch (err) {
      throw new Error(`${(err as Error).message}; nats sink: ${JSON.stringify(last)}`);
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.fwd?.close();
    this.fwd = undefined;
    this.proc?.kill(signal);
    await this.proc?.exited;
  }
}

/** Uplinks of one emulated ABP device; remembers every PHYPayload handed out (hex) in `sent`. */
export class Uplinks {
  readonly sent = new Set<string>();
  private readonly device: AbpDevice;

  constructor(devaddr: string, seed: number) {
    this.device = new AbpDevice(devaddr, Buffer.alloc(16, seed), Buffer.alloc(16, seed + 1));
  }

  next(count: number, pad = 0): Buffer[] {
    return Array.from({ length: count }, () => {
      const up = this.device.uplink(Buffer.from(`u${this.sent.size}`.padEnd(pad, '.')));
      this.sent.add(up.toString('hex'));
      return up;
    });
  }
}
