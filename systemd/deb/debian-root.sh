#!/usr/bin/env bash
# Unpacks Debian trixie packages of a foreign architecture into a directory, without touching
# the host's dpkg database: a root to run the arm64/armhf packages in under qemu user mode
# (.ci/package-check), and the armhf libzmq the armhf package's zeromq addon links
# (systemd/deb/build.sh).
#
#   systemd/deb/debian-root.sh ARCH ROOT PACKAGE...      (ARCH: arm64 | armhf)
#
# apt works in a separate directory (its own lists, archives and an empty dpkg status). Only
# that directory is cached, under $LOWBAND_APT_CACHE (default /var/cache/lowband-build): every
# run re-reads the signed indexes (`apt-get update`) and apt re-checks each cached .deb's hash
# against them before using it, so a tampered or stale cache is refetched, never trusted. ROOT
# itself is always rebuilt from those verified .debs.
set -euo pipefail

ARCH=${1:?usage: debian-root.sh ARCH ROOT PACKAGE...}
ROOT=${2:?usage: debian-root.sh ARCH ROOT PACKAGE...}
shift 2
[ $# -gt 0 ] || { echo "debian-root.sh: name the packages to unpack" >&2; exit 2; }
CACHE=${LOWBAND_APT_CACHE:-/var/cache/lowband-build}
# One apt directory per package set, so its archives are exactly what ROOT needs.
A=$CACHE/apt-$ARCH-$(printf '%s\n' "$@" | sort | md5sum | cut -c1-8)
mkdir -p "$A/etc/apt/sources.list.d" "$A/etc/apt/preferences.d" "$A/var/lib/apt/lists/partial" \
  "$A/var/cache/apt/archives/partial" "$A/var/lib/dpkg"
: > "$A/var/lib/dpkg/status"
cat > "$A/etc/apt/sources.list.d/debian.sources" <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
O=(-o "Dir=$A" -o "APT::Architecture=$ARCH" -o "APT::Architectures::=$ARCH" -o Debug::NoLocking=1)
apt-get "${O[@]}" -qq update
apt-get "${O[@]}" -qq install -y --download-only --no-install-recommends "$@" >/dev/null
# Drop .debs the current index no longer lists (superseded versions), so only one of each stays.
apt-get "${O[@]}" -qq autoclean >/dev/null
rm -rf "$ROOT"
mkdir -p "$ROOT"
DEBS=("$A"/var/cache/apt/archives/*.deb)
for f in "${DEBS[@]}"; do dpkg-deb -x "$f" "$ROOT"; done
# trixie is merged-/usr: the dynamic loader is looked up in /lib.
for d in lib bin sbin; do [ -e "$ROOT/$d" ] || ln -s "usr/$d" "$ROOT/$d"; done
echo "debian-root: $ARCH trixie root in $ROOT (${#DEBS[@]} packages)"
