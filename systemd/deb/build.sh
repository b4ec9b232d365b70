#!/usr/bin/env bash
# Builds lowband_<version>_<arch>.deb for arm64 and amd64 on an x86 Debian host (`npm run package`).
#
#   systemd/deb/build.sh [--arch arm64|amd64]... [--version V] [--out DIR] [--no-lintian]
#
# Nothing is left to compile or download on the target: the package carries the compiled
# JavaScript and the production node_modules of its architecture (`npm ci --omit=dev --cpu=...`),
# with the BLE HCI addon built here (natively for amd64, with crossbuild-essential-arm64 for
# arm64) against the Node 20 headers in /usr/include/node, so node-gyp downloads nothing.
# --version overrides package.json's (CI builds a lower one from the same tree to test upgrades).
# Needs: node 20 + npm (and the npm registry or a warm npm cache), dpkg-deb, binutils,
# g++ and make for amd64, crossbuild-essential-arm64 for arm64; lintian is run when installed.
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
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(arm64 amd64)
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

echo "lowband $VERSION: compiling TypeScript"
"$REPO/node_modules/.bin/tsc" -p "$DEB/tsconfig.json" --outDir "$WORK/dist"

for ARCH in "${ARCHES[@]}"; do
  case "$ARCH" in
    arm64) NODE_ARCH=arm64; ELF_MACHINE=AArch64; CROSS=aarch64-linux-gnu- ;;
    amd64) NODE_ARCH=x64; ELF_MACHINE='X86-64'; CROSS= ;;
    *) echo "build.sh: unsupported arch $ARCH (arm64, amd64; armhf: see docs/install.md)" >&2; exit 2 ;;
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
  node "$DEB/prune-node-modules.mjs" "$APP/node_modules" "$NODE_ARCH"
  rm -f "$APP/node_modules/.package-lock.json"

  # Only binaries of this architecture may remain; strip ours (the prebuilt ones are).
  while IFS= read -r -d '' f; do
    if head -c 4 "$f" | grep -q $'^\x7fELF'; then
      m=$(readelf -h "$f" | sed -n 's/^ *Machine: *//p')
      case "$m" in
        *"$ELF_MACHINE"*) ${CROSS}strip --strip-unneeded --remove-section=.comment --remove-section=.note "$f" ;;
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
  sed -e "s/@VERSION@/$VERSION/; s/@ARCH@/$ARCH/; s/@GLIBC@/$GLIBC/" \
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
