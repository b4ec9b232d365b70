import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { COMMANDS } from '../../src/cli/commands/index';
import { dispatch } from '../../src/cli/dispatch';
import { cliArgs } from '../helpers/paths';

/** Runs the dispatcher in this process, capturing its own output (help never loads a command). */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await dispatch(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

// Driven by the command table: a command added later is covered without touching this test.
for (const name of Object.keys(COMMANDS)) {
  for (const flag of ['--help', '-h']) {
    test(`lowband ${name} ${flag}: usage, summary and an example, exit 0`, async () => {
      const r = await cli(...name.split(' '), flag);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, '');
      assert.ok(r.out.startsWith(`usage: lowband ${name}`), r.out);
      assert.ok(r.out.includes(COMMANDS[name].summary));
      assert.match(r.out, /\nexamples?:\n {2}\S/);
      for (const e of COMMANDS[name].examples) assert.match(e, /lowband|npm run/, `example of ${name} runs lowband: ${e}`);
    });
  }
}

test('help after other options, and `lowband help <command>`', async () => {
  assert.equal((await cli('tail', '--json', '--help')).code, 0);
  const h = await cli('help', 'status');
  assert.equal(h.code, 0);
  assert.match(h.out, /^usage: lowband status /);
});

test('a word that starts subcommands: --help lists them (exit 0), alone it asks which (exit 2)', async () => {
  for (const word of new Set(Object.keys(COMMANDS).filter((n) => n.includes(' ')).map((n) => n.split(' ')[0]))) {
    const subs = Object.keys(COMMANDS).filter((n) => n.startsWith(word + ' '));
    const h = await cli(word, '--help');
    assert.equal(h.code, 0, word);
    for (const s of subs) assert.ok(h.out.includes(s), `${word} --help lists ${s}`);
    const alone = await cli(word);
    assert.equal(alone.code, 2);
    assert.match(alone.err, /which one\?/);
  }
  const typo = await cli('decode', 'lroa');
  assert.equal(typo.code, 2);
  assert.match(typo.err, /unknown subcommand "lroa" \(did you mean "decode lora"\?\)/);
});

test('a mistyped command suggests the near one; a far one prints the list', async () => {
  const r = await cli('stauts', '--json');
  assert.equal(r.code, 2);
  assert.match(r.err, /^lowband: unknown command "stauts" \(did you mean "status"\?\)\nrun: lowband status --json\n$/);
  const far = await cli('frobnicate');
  assert.equal(far.code, 2);
  assert.match(far.err, /unknown command "frobnicate"\n\nusage: lowband <command>/);
  assert.equal((await cli()).code, 2);
  assert.equal((await cli('--help')).code, 0);
});

test('a misspelt option suggests the near one', async () => {
  const r = await cli('tail', '--jsno');
  assert.equal(r.code, 2);
  assert.match(r.err, /^lowband tail: unknown option --jsno \(did you mean --json\?\) \(see lowband tail --help\)\n$/);
});

test('as a real process: --help exits 0 for run, config check, config; a typo exits 2', () => {
  for (const argv of [['run', '--help'], ['config', 'check', '--help'], ['config', '--help'], ['decode', 'ble', '-h']]) {
    const r = spawnSync(process.execPath, cliArgs(...argv), { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /^usage: lowband /);
  }
  const r = spawnSync(process.execPath, cliArgs('stauts'), { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /did you mean "status"\?/);
});
