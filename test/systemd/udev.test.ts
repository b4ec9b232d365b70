import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/paths';

const RULES = readFileSync(join(REPO, 'hardware/udev/99-lowband.rules'), 'utf8');

/** `KEY{attr}OP"value"` pairs of one rule line; throws on anything else (no udevadm verify in systemd 252). */
function parse(line: string): { key: string; op: string; value: string }[] {
  const out: { key: string; op: string; value: string }[] = [];
  const re = /\s*([A-Z_]+(?:\{[^}]+\})?)\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*(,|$)/y;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < line.length) {
    re.lastIndex = pos;
    m = re.exec(line);
    if (!m) throw new Error(`cannot parse at column ${pos}: ${line}`);
    out.push({ key: m[1], op: m[2], value: m[3] });
    pos = re.lastIndex;
  }
  return out;
}

const MATCH_KEYS = /^(ACTION|SUBSYSTEM|SUBSYSTEMS|KERNEL|ATTRS\{[a-zA-Z]+\}|ENV\{[A-Z_]+\})$/;
const ASSIGN_KEYS = /^(MODE|GROUP|SYMLINK|GOTO|LABEL|ENV\{[A-Z_]+\})$/;

test('udev rules parse, jump only to defined labels and name the supported bridges', () => {
  const labels = new Set<string>();
  const gotos: string[] = [];
  const ids: string[] = [];
  let rules = 0;
  for (const raw of RULES.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    rules++;
    for (const { key, op, value } of parse(line)) {
      const isMatch = op === '==' || op === '!=';
      assert.match(key, isMatch ? MATCH_KEYS : ASSIGN_KEYS, `${key}${op} in: ${line}`);
      if (key === 'LABEL') labels.add(value);
      if (key === 'GOTO') gotos.push(value);
      if (key === 'MODE') assert.equal(value, '0660', 'never world-accessible');
      if (key === 'SYMLINK') assert.equal(op, '+=', 'add links, never replace others');
      if (key.startsWith('ATTRS{id')) {
        assert.match(value, /^[0-9a-f]{4}$/, `USB id ${value}`);
        ids.push(value);
      }
    }
  }
  assert.ok(rules >= 8);
  for (const g of gotos) assert.ok(labels.has(g), `GOTO ${g} has no LABEL`);
  for (const id of ['04d8', '00df', '1a86', '7523', '10c4', 'ea60']) assert.ok(ids.includes(id), `missing ${id}`);
  assert.match(RULES, /SYMLINK\+="lowband-lora%n"/);
  assert.match(RULES, /generic/i, 'says that generic bridge ids match other devices');
});
