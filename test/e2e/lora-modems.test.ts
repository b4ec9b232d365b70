import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ModemEmulator } from '../../hardware/emulators/modem-emulator';
import { findModemPort } from '../../src/radios/lora/autodetect';
import { profileFor } from '../../src/radios/lora/profiles';
import { writeTestConfig } from '../helpers/gateway-config';
import { LowbandProcess, pythonSubscriber } from '../helpers/processes';

// Every modem family: its emulator on a socat pty → `lowband run` → a Python subscriber
// receives the packets with the right raw bytes, rssi and snr; unplug/replug resumes.

let dir: string;
const modems: Record<string, ModemEmulator> = {};
const FAMILIES = [
  { modem: 'rn2483', name: 'rn' },
  { modem: 'rak3172', name: 'rak' },
  { modem: 'rak3172', name: 'rakold', oldFirmware: true },
  { modem: 'wio-e5', name: 'wio' },
] as const;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lowband-modems-'));
  for (const f of FAMILIES) {
    modems[f.name] = new ModemEmulator({ modem: f.modem, dir, name: f.name, oldFirmware: 'oldFirmware' in f ? f.oldFirmware : false });
    await modems[f.name].start();
  }
});

after(async () => {
  for (const m of Object.values(modems)) await m.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('port: auto finds each family among several ports by its version query', async () => {
  const candidates = Object.values(modems).map((m) => m.hostPath);
  assert.equal(await findModemPort(profileFor('wio-e5')!, { candidates, timeoutMs: 500 }), modems.wio.hostPath);
  assert.equal(await findModemPort(profileFor('rn2483')!, { candidates, timeoutMs: 500 }), modems.rn.hostPath);
  assert.equal(await findModemPort(profileFor('rak3172')!, { candidates, timeoutMs: 500, exclude: new Set([modems.rak.hostPath]) }), modems.rakold.hostPath);
  assert.equal(await findModemPort(profileFor('rn2483')!, { candidates: [join(dir, 'missing')], timeoutMs: 200 }), undefined);
});

for (const f of FAMILIES) {
  test(`${f.name} (${f.modem}${'oldFirmware' in f ? ', old 9600-baud firmware' : ''}): packets arrive with raw, rssi and snr; unplug/replug resumes`, async () => {
    const modem = modems[f.name];
    const auto = f.name === 'wio';
    const cfg = writeTestConfig(join(dir), {
      state_dir: join(dir, `state-${f.name}`),
      upstream: { publish: { bind: [`ipc://${join(dir, `${f.name}.sock`)}`] } },
      lora: [{
        name: 'lora0', modem: f.modem,
        ...(auto ? { port: 'auto', candidates: [modems.rn.hostPath, modem.hostPath] } : { port: modem.hostPath }),
        ...('oldFirmware' in f ? { baud: 9600 } : {}),
      }],
    });
    const endpoint = `ipc://${join(dir, `${f.name}.sock`)}`;
    const gw = new LowbandProcess(['run', '--config', cfg.path]);
    try {
      await gw.waitForMsg('modem receiving');
      let i = 0;
      const expectRaw = new Set<string>();
      const receive = async (count: number) => {
        const sub = pythonSubscriber(endpoint, count, ['--filter', 'lora/']);
        await sub.ready;
        const timer = setInterval(() => {
          const p = Buffer.from([0xab, f.name.length, i >> 8, i++ & 0xff, 0x0d]);
          expectRaw.add(p.toString('hex'));
          modem.hear(p, -71 - (i % 5), 6.5);
        }, 20);
        try {
          return await sub.done;
        } finally {
          clearInterval(timer);
        }
      };
      for (const m of await receive(4)) {
        const body = m.body as Record<string, unknown>;
        assert.ok(expectRaw.has(String(body.raw)), `raw ${body.raw}`);
        assert.ok((body.rssi as number) <= -71 && (body.rssi as number) >= -75, `rssi ${body.rssi}`);
        assert.ok(Math.abs((body.snr as number) - 6.5) <= 0.5, `snr ${body.snr}`);
        assert.equal(body.src, 'lora0');
      }
      await modem.unplug();
      await gw.waitForMsg('serial port lost; reopening');
      await modem.replug();
      await gw.waitFor('log lines', () => gw.logs.filter((l) => l.msg === 'modem receiving').length >= 2);
      assert.equal((await receive(2)).length, 2);
    } finally {
      gw.kill('SIGTERM');
      await gw.exited;
    }
  });
}
