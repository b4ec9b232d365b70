import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { GatewayServices, GatewayStatus, PairedDevice } from '../../src/control/protocol';
import type { Reading } from '../../src/core/reading';
import { configSchema } from '../../src/config/schema';
import { createLogger } from '../../src/util/log';
import { WebServer, type WebConfig } from '../../src/web';

/** A `web` config section as the schema fills it, with `extra` on top. */
export function webConfig(extra: Record<string, unknown> = {}): WebConfig {
  return configSchema({ web: { bind: '127.0.0.1:0', ...extra } }, '').web;
}

/** A status snapshot shaped like the real one, for a server without a gateway behind it. */
export function fakeStatus(): GatewayStatus {
  return {
    version: '0.1.0', gateway: 'unit-gw', pid: process.pid, startedAt: new Date().toISOString(), uptimeS: 3, seq: '42',
    readings: { total: 7, perSecond: 1.5 }, drops: { duplicate: 2 },
    adapters: [{ name: 'ble0', kind: 'ble', state: 'running', received: 9, drops: { no_key: 1 } }],
    sinks: [{ name: 'publish', kind: 'publish', state: 'listening', cursor: '40', inFlight: 0, backlog: { messages: 2, bytes: 300 }, drops: {} }],
    alarms: [],
  };
}

/** Services whose BLE side records what it was asked to pair. */
export function fakeServices(): GatewayServices & { paired: { mac: string; name?: string; key?: string }[] } {
  const paired: { mac: string; name?: string; key?: string }[] = [];
  return {
    paired,
    status: fakeStatus,
    ble: {
      async pair(mac, opts): Promise<PairedDevice> {
        paired.push({ mac, ...opts });
        return { mac, name: opts.name, hasKey: opts.key !== undefined, pairedAt: new Date().toISOString() };
      },
      async unpair() { return true; },
      devices: () => [],
      nearby: () => [],
    },
  };
}

/** A started WebServer on a free loopback port. */
export async function startWeb(extra: Record<string, unknown> = {}, services = fakeServices()) {
  const web = new WebServer(webConfig(extra), services, createLogger('silent'));
  await web.start();
  const url = new URL(web.url());
  return { web, services, url, port: Number(url.port) };
}

/** One request on its own connection (no pooling, so connection counts stay exact). */
export function http(port: number, method: string, path: string, opts: { headers?: Record<string, string | number>; body?: string | Buffer } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: opts.headers, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A raw TCP connection and everything it receives until the server closes it. */
export function rawConnection(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (c) => (data += c));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

/** Resolves with `p`, or rejects after `ms` naming `what`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms))),
  ]);
}

/** A decoded BLE reading like the emulated sensors give. */
export function bleReading(device: string, fields: Record<string, number | string>, extra: Partial<Reading> = {}): Reading {
  return { radio: 'ble', device, src: 'ble0', raw: Buffer.from('0201', 'hex'), timeUs: Date.now() * 1000, rssi: -60, fmt: 'bthome', fields, ...extra };
}
