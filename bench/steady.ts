// A gateway at work, not flooded: `lowband run` with every sink configured (publish to a
// subscriber process, reliable to a collector, MQTT with Home Assistant discovery to a local
// mosquitto) fed a steady BENCH_STEADY_RATE readings/s (default 1,000) of Semtech datagrams for
// BENCH_STEADY_S seconds (default 40). Prints the gateway's RSS (highest sample once past the
// first quarter, and VmHWM), its CPU, and what every sink delivered; the baseline is a bare
// Node process measured in the same run. Needs /usr/sbin/mosquitto.
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Collector } from '../src/collect/collector';
import { callControl } from '../src/control/client';
import type { GatewayStatus } from '../src/control/protocol';
import { Mosquitto } from '../test/sinks/mqtt/mosquitto';
import { bareNodeRssMb, frame, idleRssMb, procCpuUs, procRssMb, pushData, serviceNodeOptions, startGateway, until } from './gateway-child';

const RATE = Number(process.env.BENCH_STEADY_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_STEADY_S ?? 40);
const PER_DATAGRAM = 8;
const DEVICES = 256;

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-bench-steady-'));
  const broker = await Mosquitto.start();
  const collector = new Collector({ bind: `ipc://${join(dir, 'collector.sock')}` });
  try {
    const bare = await bareNodeRssMb();
    const collectorEp = await collector.start();
    const gw = await startGateway(dir, `ipc://${join(dir, 'gw-pub.sock')}`, {
      reliable: { connect: collectorEp },
      mqtt: { url: `mqtt://127.0.0.1:${broker.port}`, homeassistant: true },
    });
    const pid = gw.proc.pid!;
    try {
      const idle = await idleRssMb(pid);
      const sock = dgram.createSocket('udp4');
      await new Promise<void>((r) => sock.connect(gw.port, '127.0.0.1', r));
      sock.on('message', () => undefined); // PUSH_ACKs
      const fcnt = new Uint32Array(DEVICES);
      let token = 0;
      let sent = 0;
      const datagram = (): Buffer => {
        const frames: Buffer[] = [];
        for (let j = 0; j < PER_DATAGRAM; j++, sent++) frames.push(frame(0x26000000 + (sent % DEVICES), fcnt[sent % DEVICES]++));
        return pushData(token++ & 0xffff, frames);
      };
      const cpu0 = procCpuUs(pid);
      const t0 = performance.now();
      const samples: number[] = [];
      let nextSample = 1000;
      // Offered in 10 ms ticks: as many datagrams as the rate says are due by now.
      while (performance.now() - t0 < SECONDS * 1000) {
        const due = Math.floor(((performance.now() - t0) / 1000) * (RATE / PER_DATAGRAM));
        while (sent / PER_DATAGRAM < due) sock.send(datagram());
        if (performance.now() - t0 >= nextSample) {
          samples.push(procRssMb(pid, 'VmRSS'));
          nextSample += 1000;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      const elapsedS = (performance.now() - t0) / 1000;
      if (process.env.BENCH_HEAP_SIGNAL) {
        gw.proc.kill('SIGUSR2');
        await new Promise((r) => setTimeout(r, 5000));
      }
      const cpuUs = procCpuUs(pid) - cpu0;
      const status = await until('every sink to catch up', async () => {
        const s = (await callControl(gw.control, 'status', {}, 5000)) as GatewayStatus;
        return s.sinks.every((k) => k.backlog.messages === 0) ? s : undefined;
      }, 60_000).catch(async () => (await callControl(gw.control, 'status', {}, 5000)) as GatewayStatus);
      const hwm = procRssMb(pid, 'VmHWM');
      sock.close();
      const steady = samples.slice(Math.floor(samples.length / 4));
      const f = (n: number) => Math.round(n).toLocaleString('en');
      console.log(`\nsteady bench: ${f(RATE)} readings/s for ${SECONDS} s (${f(sent)} readings in datagrams of ${PER_DATAGRAM}, ${DEVICES} devices) -> lowband run -> publish + reliable (collector) + MQTT with HA discovery (mosquitto); gateway NODE_OPTIONS "${serviceNodeOptions()}" (systemd/lowband.service)`);
      console.log(`  bare node RSS             ${bare.settled.toFixed(1)} MB settled`);
      console.log(`  gateway idle RSS          ${idle.settled.toFixed(1)} MB settled, ${idle.startup.toFixed(1)} MB at start-up   ratio to bare node ${(idle.settled / bare.settled).toFixed(2)}`);
      console.log(`  gateway RSS under load    max ${Math.max(...steady).toFixed(1)} MB (samples after the first quarter), VmHWM ${hwm.toFixed(1)} MB   ratio to bare node ${(Math.max(...steady) / bare.settled).toFixed(2)}`);
      console.log(`  gateway CPU               ${((100 * cpuUs) / (elapsedS * 1e6)).toFixed(1)} % of one core, ${(cpuUs / Math.max(1, sent)).toFixed(1)} us per reading`);
      for (const k of status.sinks) {
        console.log(`  sink ${k.name.padEnd(9)}            cursor ${k.cursor}   backlog ${k.backlog.messages}   drops ${JSON.stringify(k.drops)}`);
      }
      console.log(`  collector                 ${f(collector.stats().unique)} unique messages`);
    } finally {
      gw.proc.kill('SIGTERM');
      await new Promise((r) => gw.proc.once('exit', r));
    }
  } finally {
    await collector.stop();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
