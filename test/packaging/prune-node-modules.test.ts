import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers/paths';

const PRUNE = join(REPO, 'systemd', 'deb', 'prune-node-modules.mjs');

function put(root: string, rel: string, body = 'x'): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), body);
}

/** A zeromq build tree shaped like zeromq 6.8's: one manifest entry per prebuilt addon. */
function zeromqTree(root: string, builds: { os: string; arch: string; libc: string; abi: number; glibc?: number }[]): void {
  const manifest: Record<string, string> = {};
  for (const b of builds) {
    const file = `${b.os}/${b.arch}/node/${b.libc}-${b.abi}-Release/addon.node`;
    manifest[JSON.stringify({ os: b.os, arch: b.arch, runtime: 'node', abi: b.abi, libc: b.libc })] = file;
    // Version strings as they sit in .dynstr: the highest one is the glibc the addon needs.
    put(root, `zeromq/build/${file}`, `\x7fELF...GLIBC_2.17\0GLIBC_2.${b.glibc ?? 17}\0...`);
  }
  put(root, 'zeromq/build/manifest.json', JSON.stringify(manifest));
}

function prune(root: string, arch: string): void {
  const r = spawnSync(process.execPath, [PRUNE, root, arch], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

test('zeromq: the linux/glibc addon of our arch needing the oldest glibc is kept, the manifest names only it', () => {
  const root = mkdtempSync(join(tmpdir(), 'lowband-prune-'));
  // zeromq 6.8 for x64: the build tagged for Node 20 (abi 115) needs glibc 2.38, newer than
  // bookworm's 2.36; the Node 22 one (abi 127) needs 2.25 and loads on Node 20 (Node-API).
  zeromqTree(root, [
    { os: 'linux', arch: 'x64', libc: 'glibc', abi: 115, glibc: 38 },
    { os: 'linux', arch: 'x64', libc: 'glibc', abi: 127, glibc: 25 },
    { os: 'linux', arch: 'x64', libc: 'glibc', abi: 147, glibc: 38 },
    { os: 'linux', arch: 'x64', libc: 'musl', abi: 127 },
    { os: 'linux', arch: 'arm64', libc: 'glibc', abi: 127, glibc: 25 },
    { os: 'darwin', arch: 'x64', libc: 'libc', abi: 115 },
  ]);
  prune(root, 'x64');
  const manifest = JSON.parse(readFileSync(join(root, 'zeromq/build/manifest.json'), 'utf8')) as Record<string, string>;
  assert.deepEqual(Object.values(manifest), ['linux/x64/node/glibc-127-Release/addon.node']);
  assert.ok(existsSync(join(root, 'zeromq/build/linux/x64/node/glibc-127-Release/addon.node')));
  for (const gone of ['linux/x64/node/glibc-115-Release', 'linux/x64/node/musl-127-Release', 'linux/arm64', 'darwin']) {
    assert.ok(!existsSync(join(root, 'zeromq/build', gone)), `${gone} must go`);
  }
  rmSync(root, { recursive: true, force: true });
});

test('zeromq: with equal glibc needs, the ABI of Node 20 wins over newer ones', () => {
  const root = mkdtempSync(join(tmpdir(), 'lowband-prune-'));
  zeromqTree(root, [
    { os: 'linux', arch: 'arm64', libc: 'glibc', abi: 127, glibc: 25 },
    { os: 'linux', arch: 'arm64', libc: 'glibc', abi: 115, glibc: 25 },
    { os: 'linux', arch: 'arm64', libc: 'glibc', abi: 72, glibc: 25 },
  ]);
  prune(root, 'arm64');
  const manifest = JSON.parse(readFileSync(join(root, 'zeromq/build/manifest.json'), 'utf8')) as Record<string, string>;
  assert.deepEqual(Object.values(manifest), ['linux/arm64/node/glibc-115-Release/addon.node']);
  rmSync(root, { recursive: true, force: true });
});

test('prebuilds of other platforms, musl builds, sources, maps, dotfiles and HCI build leftovers go', () => {
  const root = mkdtempSync(join(tmpdir(), 'lowband-prune-'));
  for (const d of ['linux-arm64', 'linux-x64', 'linux-arm', 'darwin-x64+arm64', 'win32-x64', 'android-arm64']) {
    put(root, `usb/prebuilds/${d}/node.napi.glibc.node`);
  }
  put(root, 'usb/prebuilds/linux-arm64/node.napi.musl.node');
  put(root, 'usb/dist/index.js');
  put(root, 'usb/dist/index.js.map');
  put(root, 'usb/dist/index.d.ts');
  put(root, 'usb/libusb/libusb/core.c');
  put(root, 'pino/index.html', '<script src="//cdn.example/x.js"></script>');
  put(root, 'pino/.eslintrc');
  put(root, 'pino/lib/pino.js');
  put(root, 'nan/nan.h');
  const hci = '@abandonware/bluetooth-hci-socket';
  put(root, `${hci}/build/Release/bluetooth_hci_socket.node`, 'ADDON');
  put(root, `${hci}/build/Release/obj.target/bluetooth_hci_socket/src/BluetoothHciSocket.o`);
  put(root, `${hci}/build/Makefile`);
  put(root, `${hci}/lib/binding/bluetooth_hci_socket.node`, 'ADDON');
  put(root, `${hci}/lib/native.js`);
  prune(root, 'arm64');
  assert.ok(existsSync(join(root, 'usb/prebuilds/linux-arm64/node.napi.glibc.node')));
  for (const gone of [
    'usb/prebuilds/linux-x64', 'usb/prebuilds/linux-arm', 'usb/prebuilds/darwin-x64+arm64', 'usb/prebuilds/win32-x64',
    'usb/prebuilds/android-arm64', 'usb/prebuilds/linux-arm64/node.napi.musl.node', 'usb/dist/index.js.map',
    'usb/dist/index.d.ts', 'usb/libusb', 'pino/index.html', 'pino/.eslintrc', 'nan/nan.h',
    `${hci}/build/Release/obj.target`, `${hci}/build/Makefile`, `${hci}/lib/binding`,
  ]) {
    assert.ok(!existsSync(join(root, gone)), `${gone} must go`);
  }
  for (const kept of ['usb/dist/index.js', 'pino/lib/pino.js', `${hci}/lib/native.js`]) assert.ok(existsSync(join(root, kept)), `${kept} stays`);
  assert.equal(readFileSync(join(root, `${hci}/build/Release/bluetooth_hci_socket.node`), 'utf8'), 'ADDON', 'native.js loads this one');
  rmSync(root, { recursive: true, force: true });
});
