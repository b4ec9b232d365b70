import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { FcntTracker } from '../../../../src/radios/lora/lorawan/fcnt';
import { FCNT_STATE_FILE, FcntStore } from '../../../../src/radios/lora/lorawan/fcnt-store';

// Issue 10: every persistence error the gateway sees is an alarm in `lowband status`, not only
// a log line. These fail without FcntStore.alarm.

test('an FCnt store that cannot write raises an alarm until a write succeeds', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-fcnt-alarm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tracker = new FcntTracker();
  const store = new FcntStore(dir, tracker, pino({ level: 'silent' }), 60_000);
  t.after(() => store.close());
  assert.equal(store.alarm, undefined);
  // A directory where the file goes: the atomic rename fails, as on a read-only or full card.
  mkdirSync(store.path);
  writeFileSync(join(store.path, 'x'), '');
  tracker.commit('49be7df1/up', { fcnt: 70_000, reason: 'first' });
  await store.flush();
  assert.match(store.alarm ?? '', /cannot write .*lorawan-fcnt\.json.*not persisted/);
  rmSync(store.path, { recursive: true });
  await store.flush();
  assert.equal(store.alarm, undefined, 'cleared by the next successful write');
  assert.equal(statSync(store.path).mode & 0o077, 0, 'the state file is private (0600)');
});

test('an FCnt state file unreadable at start raises an alarm (counters started empty)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-fcnt-alarm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, FCNT_STATE_FILE), '{not json');
  const store = new FcntStore(dir, new FcntTracker(), pino({ level: 'silent' }), 60_000);
  t.after(() => store.close());
  assert.match(store.alarm ?? '', /unreadable at start.*started empty/);
});
