import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatStatus } from '../../src/cli/commands/status';
import type { GatewayStatus } from '../../src/control/protocol';

test('lowband status shows the NATS sink\'s duplicates and refusals by cause', () => {
  const s = {
    version: '0.1.0', gateway: 'pi-north', pid: 1, startedAt: new Date(0).toISOString(), uptimeS: 5, seq: '10',
    readings: { total: 10, perSecond: 1 }, drops: {}, adapters: [], decoders: {}, alarms: ['nats: stream LOWBAND is full: readings wait in the spool'],
    sinks: [{
      name: 'nats', kind: 'nats', state: 'connected', cursor: '8', inFlight: 2, backlog: { messages: 2, bytes: 300 }, drops: {},
      stream: 'LOWBAND', server: '127.0.0.1:4222', duplicates: 7, errors: { storage_full: 3, timeout: 0 },
    }],
  } as unknown as GatewayStatus;
  const text = formatStatus(s, Date.now());
  assert.match(text, /nats: stream LOWBAND via 127\.0\.0\.1:4222, 7 duplicates \(stored already by another gateway or a resend\), errors storage_full 3\n/);
  assert.match(text, /! nats: stream LOWBAND is full/);
});
