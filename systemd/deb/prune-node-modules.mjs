#!/usr/bin/env node
// Trims a production node_modules tree to what one Linux architecture runs, for the .deb:
//
//   node prune-node-modules.mjs NODE_MODULES NODE_ARCH     (NODE_ARCH: arm64 | x64 | arm)
//
// npm installs every prebuilt addon a package ships (zeromq alone carries ~30 MB for macOS,
// Windows, musl and several Node ABIs), plus C sources and source maps. The package needs only
// the glibc Linux binary of its own architecture. Plain JavaScript (no TypeScript) because it
// runs on the build host with nothing but node, before anything is compiled.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

const [root, arch] = process.argv.slice(2);
if (!root || !['arm64', 'x64', 'arm'].includes(arch)) {
  console.error('usage: prune-node-modules.mjs NODE_MODULES arm64|x64|arm');
  process.exit(2);
}
/** NODE_MODULE_VERSION of Node 20, the major the package depends on. */
const TARGET_ABI = 115;
let removedBytes = 0;

function sizeOf(p) {
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((n, e) => n + sizeOf(join(p, e)), 0);
}
function remove(p) {
  removedBytes += sizeOf(p);
  rmSync(p, { recursive: true, force: true });
}
function walk(dir, visit) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (visit(p, e) === 'skip') continue;
    if (e.isDirectory() && existsSync(p)) walk(p, visit);
  }
}

// 1. zeromq (cmake-ts loader): its manifest lists every build. Keep one linux/glibc build of our
//    arch: the one needing the oldest glibc (zeromq 6.8's x64 build tagged for Node 20 needs
//    glibc 2.38, newer than bookworm's 2.36, while its Node 22 build needs 2.25; they are
//    Node-API addons, so any of them loads on Node 20). Then rewrite the manifest to it, so the
//    loader never tries a file we removed.
/** Highest GLIBC_2.x symbol version a shared object references (its glibc floor), as a minor number. */
function glibcFloor(file) {
  let max = 0;
  for (const m of readFileSync(file).toString('latin1').matchAll(/GLIBC_2\.(\d+)/g)) max = Math.max(max, Number(m[1]));
  return max;
}
const zmqBuild = join(root, 'zeromq', 'build');
if (existsSync(join(zmqBuild, 'manifest.json'))) {
  const manifest = JSON.parse(readFileSync(join(zmqBuild, 'manifest.json'), 'utf8'));
  const ours = Object.entries(manifest)
    .map(([k, file]) => ({ k, file, c: JSON.parse(k) }))
    .filter(({ c, file }) => c.os === 'linux' && c.arch === arch && c.libc === 'glibc' && c.runtime === 'node' && existsSync(join(zmqBuild, file)))
    .map((e) => ({ ...e, glibc: glibcFloor(join(zmqBuild, e.file)), abi: e.c.abi ?? 0 }))
    // Oldest glibc first; then the ABI closest to Node 20's (not above it first).
    .sort((a, b) => a.glibc - b.glibc || (a.abi > TARGET_ABI) - (b.abi > TARGET_ABI) || Math.abs(a.abi - TARGET_ABI) - Math.abs(b.abi - TARGET_ABI));
  if (ours.length === 0) throw new Error(`zeromq ships no linux ${arch} glibc addon`);
  const keep = ours[0];
  const addon = readFileSync(join(zmqBuild, keep.file));
  for (const e of readdirSync(zmqBuild)) remove(join(zmqBuild, e));
  mkdirSync(dirname(join(zmqBuild, keep.file)), { recursive: true });
  writeFileSync(join(zmqBuild, keep.file), addon);
  writeFileSync(join(zmqBuild, 'manifest.json'), JSON.stringify({ [keep.k]: keep.file }));
  removedBytes -= addon.length;
  console.log(`  zeromq: kept build/${keep.file} (abi ${keep.abi}, needs glibc 2.${keep.glibc})`);
}

// 2. node-gyp-build prebuilds (serialport, usb): keep prebuilds/linux-<arch>, minus musl builds.
walk(root, (p, e) => {
  if (!e.isDirectory() || e.name !== 'prebuilds') return;
  for (const d of readdirSync(p)) {
    if (d !== `linux-${arch}`) remove(join(p, d));
  }
  const mine = join(p, `linux-${arch}`);
  if (existsSync(mine)) for (const f of readdirSync(mine)) if (f.includes('.musl.')) remove(join(mine, f));
  return 'skip';
});

// 3. The HCI addon: native.js loads build/Release/bluetooth_hci_socket.node; the rest of build/
//    (objects, Makefiles) and node-pre-gyp's copy in lib/binding are build leftovers.
const hci = join(root, '@abandonware', 'bluetooth-hci-socket');
if (existsSync(join(hci, 'build', 'Release', 'bluetooth_hci_socket.node'))) {
  const addon = readFileSync(join(hci, 'build', 'Release', 'bluetooth_hci_socket.node'));
  remove(join(hci, 'build'));
  remove(join(hci, 'lib', 'binding'));
  mkdirSync(join(hci, 'build', 'Release'), { recursive: true });
  writeFileSync(join(hci, 'build', 'Release', 'bluetooth_hci_socket.node'), addon);
  removedBytes -= addon.length;
}

// 4. What only a compiler or an editor reads: C/C++ sources and headers, gyp files, TypeScript
//    sources and declarations, source maps; and the vendored C libraries of the addons.
const SOURCE_EXT = new Set(['.c', '.cc', '.cpp', '.cxx', '.h', '.hh', '.hpp', '.gyp', '.gypi', '.map', '.ts', '.mts', '.cts']);
for (const d of ['zeromq/src', 'zeromq/script', 'usb/libusb', 'usb/src', '@serialport/bindings-cpp/src', '@abandonware/bluetooth-hci-socket/src']) {
  remove(join(root, d));
}
walk(root, (p, e) => {
  if (e.isFile() && (SOURCE_EXT.has(extname(e.name)) || e.name === 'CMakeLists.txt' || e.name === 'vcpkg.json')) remove(p);
});

// 5. Packaging and editor leftovers nothing reads at run time (lintian flags each): dotfiles
//    (.eslintrc, .npmignore, .gitattributes...), backup files, HTML doc pages that load CDNs.
walk(root, (p, e) => {
  if (e.name === '.bin') return 'skip';
  if (e.isDirectory() && (e.name === '.github' || e.name === '.vscode')) return void remove(p);
  if (e.isFile() && (e.name.startsWith('.') || e.name.endsWith('~') || extname(e.name) === '.html')) remove(p);
});
// Empty directories left behind.
function pruneEmpty(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) pruneEmpty(join(dir, e.name));
  if (dir !== root && readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
}
pruneEmpty(root);
console.log(`  pruned ${(removedBytes / 1048576).toFixed(1)} MiB from node_modules`);
