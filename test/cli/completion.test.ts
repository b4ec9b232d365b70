import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { bashScript, optionsOf, zshScript } from '../../src/cli/commands/completion';
import { COMMANDS } from '../../src/cli/commands/index';
import { cliArgs } from '../helpers/paths';

/** What bash completes for the words typed so far (the last one being completed). */
function complete(...words: string[]): string[] {
  const script = `${bashScript(COMMANDS)}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _lowband; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('/bin/bash', ['--norc', '-c', script], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

test('bash completion: commands, subcommands and each command\'s options, from the command table', () => {
  assert.deepEqual(complete('lowband', 'st'), ['status']);
  assert.deepEqual(complete('lowband', 'de'), ['decode', 'demo', 'devices']);
  assert.deepEqual(complete('lowband', 'decode', ''), ['ble', 'lora']);
  assert.deepEqual(complete('lowband', 'config', ''), ['check']);
  assert.deepEqual(complete('lowband', 'status', '--'), optionsOf(COMMANDS.status.usage).sort());
  assert.deepEqual(complete('lowband', 'decode', 'lora', '--d'), ['--devaddr-keys']);
  assert.ok(optionsOf(COMMANDS.tail.usage).includes('--endpoint'));
});

test('lowband completion bash|zsh prints the script; anything else exits 2', () => {
  const bash = spawnSync(process.execPath, cliArgs('completion', 'bash'), { encoding: 'utf8', timeout: 30_000 });
  assert.equal(bash.status, 0, bash.stderr);
  assert.equal(bash.stdout, bashScript(COMMANDS));
  assert.match(zshScript(COMMANDS), /^#compdef lowband\n/);
  if (existsSync('/usr/bin/zsh')) {
    const z = spawnSync('/usr/bin/zsh', ['-n', '-c', zshScript(COMMANDS)], { encoding: 'utf8' });
    assert.equal(z.status, 0, z.stderr);
  }
  const bad = spawnSync(process.execPath, cliArgs('completion', 'fish'), { encoding: 'utf8', timeout: 30_000 });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /usage: lowband completion bash\|zsh/);
});
