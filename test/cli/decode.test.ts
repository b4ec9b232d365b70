import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { cliArgs } from '../helpers/paths';

const run = (args: string[], input: string) => spawnSync(process.execPath, cliArgs(...args), { input, encoding: 'utf8' });

test('lowband decode ble: OpenMQTTGateway lines in, one JSON line out each, bad lines as errors', () => {
  const lines = [
    JSON.stringify({ id: 'A4:C1:38:D5:D4:98', servicedata: '4002ca0903bf13', servicedatauuid: '0xfcd2', rssi: -60 }),
    JSON.stringify({ id: 'aa:bb:cc:dd:ee:ff', manufacturerdata: '99040512FC5394C37C0004FFFC040CAC364200CDCBB8334C884F', rssi: -70 }),
    'not json',
    JSON.stringify({ id: '54:48:E6:8F:80:A5', servicedata: '41a47266c95f730011223378237214', servicedatauuid: 'fcd2' }),
  ];
  const r = run(['decode', 'ble', '--key', '54:48:E6:8F:80:A5=231d39c1d7cc1ab1aee224cd096db932'], lines.join('\n') + '\n');
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(out.length, 4);
  assert.deepEqual(out[0], { id: 'A4:C1:38:D5:D4:98', fmt: 'bthome', fields: { temperature: 25.06, humidity: 50.55 } });
  assert.equal(out[1].fmt, 'ruuvi5');
  assert.equal(out[1].fields.temperature, 24.3);
  assert.ok(out[2].error);
  assert.equal(out[3].fields.temperature, 25.06, 'encrypted BTHome with --key');
});

test('lowband decode lora: PHYPayload hex lines, decrypted with --devaddr-keys', () => {
  const r = run(
    ['decode', 'lora', '--devaddr-keys', '49be7df1:44024241ed4ce9a68c6a8bc055233fd3:ec925802ae430ca77fd3dd73cb2cc588'],
    '40F17DBE4900020001954378762B11FF0D\nzz\n',
  );
  assert.equal(r.status, 0, r.stderr);
  const [a, b] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(a.devaddr ?? a.lorawan?.devaddr, '49be7df1');
  assert.match(JSON.stringify(a), /74657374/, 'plaintext "test"');
  assert.ok(b.error);
  assert.doesNotMatch(r.stdout + r.stderr, /44024241ed4ce9a6/, 'keys are not echoed');
});

test('bad usage exits 2 with one line', () => {
  const r = run(['decode', 'zigbee'], '');
  assert.equal(r.status, 2);
  const k = run(['decode', 'ble', '--key', 'nonsense'], '');
  assert.equal(k.status, 2);
  assert.equal(k.stderr.trim().split('\n').length, 1);
});

test('lowband decode lora: one FCnt session for the whole run, so frames across the 16-bit roll-over verify in order', () => {
  // FCnt 65534, 65535, 65536, 65537 of 49be7df1 (payload "hi"), built with the device emulator.
  const frames = ['40f17dbe4900feff01178a2eb4e251', '40f17dbe4900ffff010c2cd75a8de4', '40f17dbe4900000001bc85a3d44365', '40f17dbe490001000169ff86197323'];
  const r = run(['decode', 'lora', '--devaddr-keys', '49be7df1:44024241ed4ce9a68c6a8bc055233fd3:ec925802ae430ca77fd3dd73cb2cc588'], frames.join('\n') + '\n');
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(out.map((o) => o.mic_ok), [true, true, true, true]);
  assert.deepEqual(out.map((o) => o.fcnt), [65534, 65535, 65536, 65537]);
  assert.deepEqual(out.map((o) => o.text), ['hi', 'hi', 'hi', 'hi']);
  // Found from the previous lines, not by the brute-force search a fresh session would need.
  assert.deepEqual(out.map((o) => o.fcnt_search ?? false), [false, false, false, false]);
});
