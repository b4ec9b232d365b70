#!/usr/bin/env bash
# Builds lowband_<version>_<arch>.deb for arm64, amd64 and armhf on an x86 Debian host (`npm run package`).
#
#   systemd/deb/build.sh [--arch arm64|amd64|armhf]... [--version V] [--out DIR] [--no-lintian]
#
# Nothing is left to compile or download on the target: the package carries the compiled
# JavaScript and the production node_modules of its architecture (`npm ci --omit=dev --cpu=...`),
# with the BLE HCI addon built here (natively for amd64, with crossbuild-essential-arm64 for
# arm64, crossbuild-essential-armhf for armhf) against the Node 20 headers in /usr/include/node,
# so node-gyp downloads nothing. armhf also gets a zeromq addon built here (see below).
# --version overrides package.json's (CI builds a lower one from the same tree to test upgrades).
# Needs: node 20 + npm (and the npm registry or a warm npm cache), dpkg-deb, binutils,
# g++ and make for amd64, crossbuild-essential-arm64/-armhf for arm64/armhf (armhf also apt access
# to Debian for libzmq5); lintian is run when installed.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
DEB=$REPO/systemd/deb
ARCHES=()
VERSION=
OUT=$REPO/dist/packages
LINTIAN=1
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) ARCHES+=("${2:?--arch needs arm64 or amd64}"); shift 2 ;;
    --version) VERSION=${2:?--version needs a value}; shift 2 ;;
    --out) OUT=${2:?--out needs a directory}; shift 2 ;;
    --no-lintian) LINTIAN=0; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(arm64 amd64 armhf)
VERSION=${VERSION:-$(node -p 'require(process.argv[1]).version' "$REPO/package.json")}
[[ $VERSION =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || { echo "build.sh: bad version '$VERSION'" >&2; exit 2; }
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
HEADERS_MAJOR=$(sed -n 's/^#define NODE_MAJOR_VERSION \([0-9]*\)$/\1/p' /usr/include/node/node_version.h 2>/dev/null || true)
# The HCI addon is a nan addon: it loads only on the Node major whose headers it was built with.
[ "$HEADERS_MAJOR" = 20 ] || { echo "build.sh: need Node 20 headers in /usr/include/node (found '${HEADERS_MAJOR:-none}')" >&2; exit 1; }
[ "$NODE_MAJOR" = 20 ] || echo "build.sh: note: building with node $NODE_MAJOR; the package targets Node 20" >&2

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lowband-deb.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# zeromq.js's own source build (cmake-ts) downloads CMake modules, vcpkg and Node headers, so
# for armhf its seven C++ files are compiled here directly, against Node's headers in
# /usr/include/node, node-addon-api, and Debian trixie's libzmq5 (4.3.5, CURVE via libsodium)
# fetched by apt into a separate root; the package then depends on libzmq5. Only zmq.h is
# taken from that root: its libc headers are newer than the cross compiler's.
build_zeromq_armhf() {
  local z=$1 zr=$WORK/zmq-armhf out=linux/arm/node/glibc-115-Release/addon.node objs=() f o napi
  echo "lowband $VERSION armhf: building the zeromq addon against Debian's libzmq5"
  "$DEB/debian-root.sh" armhf "$zr" libzmq3-dev >/dev/null
  mkdir -p "$WORK/zmq-inc" "$WORK/zmq-lib"
  cp "$zr/usr/include/zmq.h" "$zr/usr/include/zmq_utils.h" "$WORK/zmq-inc/"
  ln -sf "$zr/usr/lib/arm-linux-gnueabihf/libzmq.so.5" "$WORK/zmq-lib/libzmq.so"
  napi=$(dirname "$(node -p 'require.resolve("node-addon-api/package.json", { paths: [process.argv[1]] })' "$z")")
  for f in "$z"/src/*.cc; do
    o=$WORK/zmq-$(basename "$f" .cc).o
    # shellcheck disable=SC2046
    ${CROSS}g++ -c -fPIC -std=c++20 $(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CXXFLAGS) \
      -DBUILDING_NODE_EXTENSION -DNAPI_CPP_EXCEPTIONS -DNAPI_VERSION=8 \
      -I/usr/include/node -I"$napi" -I"$WORK/zmq-inc" -o "$o" "$f"
    objs+=("$o")
  done
  mkdir -p "$z/build/$(dirname "$out")"
  # shellcheck disable=SC2046
  ${CROSS}g++ -shared $(dpkg-buildflags --get LDFLAGS) -o "$z/build/$out" "${objs[@]}" -L"$WORK/zmq-lib" -lzmq
  # The loader (cmake-ts) finds addons through the manifest: add ours.
  node -e '
    const fs = require("fs"), [m, out] = process.argv.slice(1);
    const man = JSON.parse(fs.readFileSync(m, "utf8"));
    man[JSON.stringify({ os: "linux", arch: "arm", runtime: "node", abi: 115, libc: "glibc" })] = out;
    fs.writeFileSync(m, JSON.stringify(man));' "$z/build/manifest.json" "$out"
}

echo "lowband $VERSION: compiling TypeScript"
"$REPO/node_modules/.bin/tsc" -p "$DEB/tsconfig.json" --outDir "$WORK/dist"

for ARCH in "${ARCHES[@]}"; do
  case "$ARCH" in
    arm64) NODE_ARCH=arm64; ELF_MACHINE=AArch64; CROSS=aarch64-linux-gnu-; EXTRA_DEPENDS= ;;
    amd64) NODE_ARCH=x64; ELF_MACHINE='Advanced Micro Devices X86-64'; CROSS=; EXTRA_DEPENDS= ;;
    # zeromq.js ships no 32-bit ARM addon: we build it below against Debian's libzmq5.
    armhf) NODE_ARCH=arm; ELF_MACHINE=ARM; CROSS=arm-linux-gnueabihf-; EXTRA_DEPENDS=', libzmq5 (>= 4.3.4)' ;;
    *) echo "build.sh: unsupported arch $ARCH (arm64, amd64, armhf)" >&2; exit 2 ;;
  esac
  echo "lowband $VERSION $ARCH: staging"
  PKG=$WORK/$ARCH
  APP=$PKG/usr/lib/lowband
  mkdir -p "$APP"
  cp "$REPO/package.json" "$REPO/package-lock.json" "$APP/"
  # --ignore-scripts: no install script may build or fetch for the build host's arch.
  (cd "$APP" && npm ci --omit=dev --cpu="$NODE_ARCH" --os=linux --ignore-scripts --no-audit --no-fund --loglevel=error)

  echo "lowband $VERSION $ARCH: building the BLE HCI addon"
  HCI=$APP/node_modules/@abandonware/bluetooth-hci-socket
  (
    cd "$HCI"
    export CC=${CROSS}gcc CXX=${CROSS}g++ LINK=${CROSS}g++ AR=${CROSS}ar
    export CFLAGS="$(dpkg-buildflags --get CFLAGS)" CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS)"
    export CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)" LDFLAGS="$(dpkg-buildflags --get LDFLAGS)"
    export NODE_PATH=$APP/node_modules npm_config_nodedir=/usr
    "$APP/node_modules/.bin/node-pre-gyp" rebuild --build-from-source --target_arch="$NODE_ARCH" --nodedir=/usr --loglevel=warn >"$WORK/hci-$ARCH.log" 2>&1 \
      || { cat "$WORK/hci-$ARCH.log" >&2; echo "build.sh: the HCI addon did not build for $ARCH" >&2; exit 1; }
  )
  if [ "$ARCH" = armhf ]; then build_zeromq_armhf "$APP/node_modules/zeromq"; fi
  node "$DEB/prune-node-modules.mjs" "$APP/node_modules" "$NODE_ARCH"
  rm -f "$APP/node_modules/.package-lock.json"

  # Only binaries of this architecture may remain; strip ours (the prebuilt ones are).
  while IFS= read -r -d '' f; do
    if head -c 4 "$f" | grep -q $'^\x7fELF'; then
      m=$(readelf -h "$f" | sed -n 's/^ *Machine: *//p')
      case "$m" in
        "$ELF_MACHINE") ${CROSS}strip --strip-unneeded --remove-section=.comment --remove-section=.note "$f" ;;
        *) echo "build.sh: $f is a $m binary in the $ARCH package" >&2; exit 1 ;;
      esac
      echo "  binary: ${f#"$APP/"}"
    fi
  done < <(find "$APP/node_modules" -type f -print0)

  cp -a "$WORK/dist" "$APP/dist"
  mkdir -p "$APP/config"
  install -m 0644 "$REPO/config/lowband.yaml" "$APP/config/lowband.yaml"

  install -D -m 0755 /dev/stdin "$PKG/usr/bin/lowband" <<'EOF'
#!/bin/sh
# lowband command line (Debian package)
exec /usr/bin/node /usr/lib/lowband/dist/src/cli/main.js "$@"
EOF
  sed 's|^Documentation=.*|Documentation=file:/usr/share/doc/lowband/install.md|; s|^# Installed by systemd/install.sh;|# Installed by the lowband package;|' \
    "$REPO/systemd/lowband.service" | install -D -m 0644 /dev/stdin "$PKG/usr/lib/systemd/system/lowband.service"
  install -D -m 0644 "$REPO/systemd/lowband.sysusers" "$PKG/usr/lib/sysusers.d/lowband.conf"
  install -D -m 0644 "$REPO/hardware/udev/99-lowband.rules" "$PKG/usr/lib/udev/rules.d/99-lowband.rules"
  # 0640: the config may hold broker passwords; postinst gives it to group lowband.
  install -D -m 0640 "$REPO/config/lowband.yaml" "$PKG/etc/lowband/lowband.yaml"
  DOC=$PKG/usr/share/doc/lowband
  install -D -m 0644 "$DEB/copyright" "$DOC/copyright"
  install -m 0644 "$REPO/docs/install.md" "$REPO/docs/wire-protocol.md" "$DOC/"
  install -m 0644 "$REPO/README.md" "$DOC/README.md"
  printf 'lowband (%s) unstable; urgency=medium\n\n  * Built from the lowband source tree; see README.md.\n\n -- lowband developers <lowband@users.noreply.github.com>  %s\n' \
    "$VERSION" "$(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(git -C "$REPO" log -1 --format=%ct 2>/dev/null || date +%s)}")" \
    | gzip -9n > "$DOC/changelog.gz"
  install -D -m 0644 "$DEB/lintian-overrides" "$PKG/usr/share/lintian/overrides/lowband"
  find "$PKG" -type d -exec chmod 0755 {} +
  # Modes lintian expects: a file starting with #! is executable, everything else (addons too) not.
  find "$APP" -type f -print0 | while IFS= read -r -d '' f; do
    if head -c 2 "$f" | LC_ALL=C grep -q '^#!'; then chmod 0755 "$f"; else chmod 0644 "$f"; fi
  done

  # Control files. Depends: the addons link libc/libstdc++/libgcc and (usb) libudev; the glibc
  # floor is what they actually reference. The HCI addon is nan-based (ABI of Node 20 only),
  # hence nodejs << 21. python3-minimal: the systemd notify helper (src/service/notify.ts).
  GLIBC=$(find "$APP/node_modules" -name '*.node' -exec ${CROSS}objdump -T {} + | grep -o 'GLIBC_2\.[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
  # Debian bookworm (+ NodeSource Node 20) has glibc 2.36: nothing may need more.
  if dpkg --compare-versions "$GLIBC" gt 2.36; then
    find "$APP/node_modules" -name '*.node' -exec sh -c 'echo "$1: $(${2}objdump -T "$1" | grep -o "GLIBC_2\.[0-9.]*" | sort -uV | tail -1)"' _ {} "$CROSS" \; >&2
    echo "build.sh: an addon needs glibc $GLIBC, newer than bookworm's 2.36" >&2
    exit 1
  fi
  mkdir -p "$PKG/DEBIAN"
  sed -e "s/@VERSION@/$VERSION/; s/@ARCH@/$ARCH/; s/@GLIBC@/$GLIBC/; s/@EXTRA_DEPENDS@/$EXTRA_DEPENDS/" \
      -e "s/@SIZE@/$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)/" "$DEB/control" > "$PKG/DEBIAN/control"
  echo /etc/lowband/lowband.yaml > "$PKG/DEBIAN/conffiles"
  for s in preinst postinst prerm postrm; do install -m 0755 "$DEB/$s" "$PKG/DEBIAN/$s"; done
  (cd "$PKG" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$PKG/DEBIAN/md5sums"
  chmod 0644 "$PKG/DEBIAN/md5sums" "$PKG/DEBIAN/control" "$PKG/DEBIAN/conffiles"

  DEBFILE=$OUT/lowband_${VERSION}_${ARCH}.deb
  dpkg-deb --root-owner-group -Zxz --build "$PKG" "$DEBFILE" >/dev/null
  echo "lowband $VERSION $ARCH: $(basename "$DEBFILE") $(du -k "$DEBFILE" | cut -f1) KiB (installed $(du -sk --exclude=DEBIAN "$PKG" | cut -f1) KiB)"
  if [ "$LINTIAN" = 1 ] && command -v lintian >/dev/null; then
    # Overrides are honoured (they ship in the package); any other warning or error fails.
    lintian --fail-on error,warning --suppress-tags-from-file /dev/null "$DEBFILE" \
      || { echo "build.sh: lintian found problems in $DEBFILE" >&2; exit 1; }
    echo "  lintian: clean (overrides with reasons: systemd/deb/lintian-overrides)"
  fi
done
