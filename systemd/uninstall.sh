#!/bin/sh
# Removes what systemd/install.sh installed.
#
#   sudo ./systemd/uninstall.sh            keeps /var/lib/lowband (spool, paired devices, keys)
#                                          and an edited /etc/lowband/lowband.yaml
#   sudo ./systemd/uninstall.sh --purge    also deletes state and configuration
#
# Options: --root DIR (or DESTDIR=DIR) works on a staging tree; systemctl is not run then.
# The lowband system account is left in place (as Debian does for system users) so files
# that outlive the package never end up owned by a future account that reuses the UID.
set -eu

ROOT=${DESTDIR:-}
PURGE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT=${2:?--root needs a directory}; shift 2 ;;
    --root=*) ROOT=${1#--root=}; shift ;;
    --purge) PURGE=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -n "$ROOT" ]; then
  [ -d "$ROOT" ] || { echo "uninstall.sh: $ROOT is not a directory" >&2; exit 2; }
  ROOT=$(cd "$ROOT" && pwd)
  [ "$ROOT" = / ] && ROOT=
fi
if [ -z "$ROOT" ] && [ "$(id -u)" != 0 ]; then
  echo "uninstall.sh: run as root (sudo $0), or use --root DIR" >&2
  exit 1
fi
PREFIX=/opt/lowband
say() { printf '%s\n' "$*"; }
gone() { if [ -e "$ROOT$1" ] || [ -L "$ROOT$1" ]; then rm -rf "$ROOT$1"; say "  removed $1"; fi; }

if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then
  systemctl disable --now lowband.service 2>/dev/null || true
fi

say "lowband: uninstalling from ${ROOT:-/}"
gone /etc/systemd/system/lowband.service
gone /etc/systemd/system/multi-user.target.wants/lowband.service
gone /etc/udev/rules.d/99-lowband.rules
gone /usr/lib/sysusers.d/lowband.conf
gone /usr/bin/lowband
gone /etc/lowband/lowband.yaml.new-default

CFG=/etc/lowband/lowband.yaml
if [ "$PURGE" = 1 ]; then
  gone /etc/lowband
  gone /var/lib/lowband
elif [ -f "$ROOT$CFG" ] && [ -f "$ROOT$PREFIX/config/lowband.yaml" ] && cmp -s "$ROOT$CFG" "$ROOT$PREFIX/config/lowband.yaml"; then
  gone "$CFG"
  rmdir "$ROOT/etc/lowband" 2>/dev/null || true
elif [ -f "$ROOT$CFG" ]; then
  say "  kept your edited $CFG (remove it with --purge)"
fi
gone "$PREFIX"
if [ "$PURGE" = 0 ] && [ -d "$ROOT/var/lib/lowband" ]; then
  say "  kept state in /var/lib/lowband (remove it with --purge)"
fi

if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if command -v udevadm >/dev/null 2>&1; then udevadm control --reload || true; fi
fi
say "done."
