import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { counterKey, eventKey, keyFromSource, lorawanJoinKey, lorawanKey, runKey } from '../../src/core/key';

// Golden vectors: if one of these changes, every backend's de-duplication breaks across an upgrade.
const GOLDEN = {
  lorawan: lorawanKey(Buffer.from('49be7df1', 'hex'), 2, Buffer.from('2b11ff0d', 'hex')).toString('hex'),
  join: lorawanJoinKey(Buffer.from('0039363463336913AA05693574323831330489C65B1304', 'hex')).toString('hex'),
  counter: counterKey('a4c138d5d498', 'bthome', 9, Buffer.from('400009015d025d0903b718', 'hex')).toString('hex'),
  run: runKey('lora', 'raw', Buffer.from('010203', 'hex'), 1_700_000_000_000_000).toString('hex'),
  sys: eventKey('pi-garden', 42n).toString('hex'),
};

test('golden vectors of the canonical encoding', () => {
  assert.deepEqual(GOLDEN, {
    lorawan: '3464481630499668785bac1115b8ab62',
    join: '9a9c2b7f6ed6e0cec7cbdd4f4c3a485e',
    counter: '623b34b20e7beceebc421a85c0dacc18',
    run: 'dfd7aab2062ce157413a46bb4523afe3',
    sys: '8f9f54253929cf83d0226931f4eda47e',
  });
});

test('an independent implementation of docs/wire-protocol.md gives the same keys', () => {
  const py = `
import hashlib, struct, json
def key(*items):
    h = hashlib.sha256()
    for it in items:
        h.update(struct.pack('>I', len(it))); h.update(it)
    return h.digest()[:16].hex()
D = b'lowband-key-v1'
print(json.dumps({
  'lorawan': key(D, b'lorawan', bytes.fromhex('49be7df1'), struct.pack('>I', 2), bytes.fromhex('2b11ff0d')),
  'join': key(D, b'lorawan-join', bytes.fromhex('0039363463336913AA05693574323831330489C65B1304')),
  'counter': key(D, b'counter', bytes.fromhex('a4c138d5d498'), b'bthome', struct.pack('>I', 9), bytes.fromhex('400009015d025d0903b718')),
  'run': key(D, b'run', b'lora', b'raw', bytes.fromhex('010203'), struct.pack('>Q', 1700000000000000)),
  'sys': key(D, b'sys', b'pi-garden', struct.pack('>Q', 42)),
}))`;
  const out = JSON.parse(execFileSync('/usr/bin/python3', ['-c', py]).toString());
  assert.deepEqual(out, GOLDEN);
});

test('keys separate what must differ', () => {
  const a = runKey('lora', 'raw', Buffer.from('0102', 'hex'), 1);
  assert.notDeepEqual(a, runKey('lora', 'raw', Buffer.from('0102', 'hex'), 2));
  assert.notDeepEqual(a, runKey('ble', 'raw', Buffer.from('0102', 'hex'), 1));
  // Length prefixes: moving a byte between items changes the key.
  assert.notDeepEqual(runKey('lora', 'ab', Buffer.from('63', 'hex'), 1), runKey('lora', 'abc', Buffer.alloc(0), 1));
  assert.equal(a.length, 16);
});

test('a LoRaWAN key source (DevAddr and MIC as numbers) gives the golden key', () => {
  const key = keyFromSource({ kind: 'lorawan', devaddr: 0x49be7df1, fcnt: 2, mic: 0x2b11ff0d });
  assert.equal(key.toString('hex'), '3464481630499668785bac1115b8ab62');
  // High bits set: the numbers are unsigned, never sign-extended.
  const high = Buffer.from('fedcba98', 'hex');
  assert.deepEqual(keyFromSource({ kind: 'lorawan', devaddr: 0xfedcba98, fcnt: 0x1ffff, mic: 0x80000001 }), lorawanKey(high, 0xffff, Buffer.from('80000001', 'hex')));
});
