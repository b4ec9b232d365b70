#!/bin/sh
# Installs lowband as a systemd service (Raspberry Pi OS / Debian).
#
#   npm ci && npm run build && sudo ./systemd/install.sh
#
# Options:
#   --root DIR    install into DIR instead of / (image building, tests); also DESTDIR=DIR.
#                 No user is created and systemctl/udevadm are not run.
#   --app DIR     tree holding the built app (dist/, package.json, package-lock.json);
#                 default: the repository this script lives in
#   --deps MODE   npm   (default) run `npm ci --omit=dev` in /opt/lowband
#                 copy  copy the app tree's node_modules as they are (offline installs)
#                 none  leave node_modules alone
#   --no-enable   install but do not enable/start the service
#
# Idempotent: files are only rewritten when their content or mode differs, an edited
# /etc/lowband/lowband.yaml is never touched (the new default goes next to it as
# lowband.yaml.new-default).
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
ROOT=${DESTDIR:-}
APP=$REPO
DEPS=npm
ENABLE=1

while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT=${2:?--root needs a directory}; shift 2 ;;
    --root=*) ROOT=${1#--root=}; shift ;;
    --app) APP=${2:?--app needs a directory}; shift 2 ;;
    --deps) DEPS=${2:?--deps needs npm, copy or none}; shift 2 ;;
    --no-enable) ENABLE=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$DEPS" in npm|copy|none) ;; *) echo "install.sh: --deps must be npm, copy or none" >&2; exit 2 ;; esac
if [ -n "$ROOT" ]; then
  mkdir -p "$ROOT"
  ROOT=$(cd "$ROOT" && pwd)
  [ "$ROOT" = / ] && ROOT=
fi

PREFIX=/opt/lowband
# A file rather than a variable: `put` also runs in pipeline subshells.
CHANGED=$(mktemp)
WRAPPER=$(mktemp)
trap 'rm -f "$CHANGED" "$WRAPPER" "$WRAPPER.cfg"' EXIT
say() { printf '%s\n' "$*"; }

# put SRC DST MODE: copy only when content or mode differ, so a second run changes nothing.
put() {
  if [ -f "$ROOT$2" ] && cmp -s "$1" "$ROOT$2"; then
    :
  else
    mkdir -p "$(dirname "$ROOT$2")"
    cp "$1" "$ROOT$2.tmp.$$"
    chmod "$3" "$ROOT$2.tmp.$$"
    mv -f "$ROOT$2.tmp.$$" "$ROOT$2"
    say "  wrote $2"
    echo 1 > "$CHANGED"
    return 0
  fi
  if [ "$(stat -c %a "$ROOT$2")" != "${3#0}" ]; then
    chmod "$3" "$ROOT$2"
    say "  mode $3 $2"
    echo 1 > "$CHANGED"
  fi
}

# mirror SRCDIR DSTDIR: files 0644 (dirs 0755) like `put`, and files gone from SRCDIR removed.
mirror() {
  mkdir -p "$ROOT$2"
  (cd "$1" && find . -type f) | while IFS= read -r f; do
    put "$1/$f" "$2/${f#./}" 0644
  done
  (cd "$ROOT$2" && find . -type f) | while IFS= read -r f; do
    [ -e "$1/$f" ] || { rm -f "$ROOT$2/${f#./}"; say "  removed $2/${f#./}"; echo 1 > "$CHANGED"; }
  done
  find "$ROOT$2" -type d -empty -delete 2>/dev/null || true
  find "$ROOT$2" -type d -exec chmod 0755 {} +
}

have_user() { [ -z "$ROOT" ] && getent passwd lowband >/dev/null 2>&1; }
booted_systemd() { [ -z "$ROOT" ] && [ -d /run/systemd/system ]; }

# --- checks -----------------------------------------------------------------------------
[ -f "$APP/dist/src/cli/main.js" ] || {
  echo "install.sh: $APP/dist/src/cli/main.js is missing; build first: npm ci && npm run build" >&2
  exit 1
}
if [ -z "$ROOT" ] && [ "$(id -u)" != 0 ]; then
  echo "install.sh: run as root (sudo $0), or use --root DIR for a staging tree" >&2
  exit 1
fi
NODE=$(command -v node || true)
if [ -z "$ROOT" ]; then
  [ -n "$NODE" ] || { echo "install.sh: node not found; install Node.js 20 first (docs/install.md)" >&2; exit 1; }
  major=$("$NODE" -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || { echo "install.sh: Node.js $major is too old; lowband needs 20 or later (docs/install.md)" >&2; exit 1; }
fi
NODE=${NODE:-/usr/bin/node}
if [ -z "$ROOT" ] && [ ! -x /usr/bin/python3 ]; then
  # src/service/notify.ts forwards READY/WATCHDOG through python3; without it a racy fallback is used.
  echo "install.sh: warning: /usr/bin/python3 is missing; install it (sudo apt-get install python3-minimal) for reliable systemd readiness/watchdog" >&2
fi

say "lowband: installing into ${ROOT:-/}"

# --- application --------------------------------------------------------------------------
say "app -> $PREFIX"
mirror "$APP/dist" "$PREFIX/dist"
put "$APP/package.json" "$PREFIX/package.json" 0644
if [ -f "$APP/package-lock.json" ]; then put "$APP/package-lock.json" "$PREFIX/package-lock.json" 0644; fi
if [ -f "$REPO/docs/install.md" ]; then put "$REPO/docs/install.md" "$PREFIX/docs/install.md" 0644; fi
case "$DEPS" in
  npm)
    # npm ci always rewrites node_modules; skip it when the lock file has not changed.
    stamp="$ROOT$PREFIX/node_modules/.lowband-lock"
    if [ -f "$stamp" ] && cmp -s "$APP/package-lock.json" "$stamp"; then
      say "  node_modules up to date"
    else
      (cd "$ROOT$PREFIX" && npm ci --omit=dev --no-audit --no-fund)
      cp "$APP/package-lock.json" "$stamp"
      echo 1 > "$CHANGED"
    fi ;;
  copy)
    [ -d "$APP/node_modules" ] || { echo "install.sh: --deps copy but $APP/node_modules is missing" >&2; exit 1; }
    if [ ! -d "$ROOT$PREFIX/node_modules" ]; then
      # First install: one cp instead of a cmp per file (thousands of files on a slow SD card).
      cp -a "$APP/node_modules" "$ROOT$PREFIX/node_modules"
      say "  copied node_modules"
      echo 1 > "$CHANGED"
    else
      (cd "$APP/node_modules" && find . -type f) | while IFS= read -r f; do
        put "$APP/node_modules/$f" "$PREFIX/node_modules/${f#./}" "$(stat -c %a "$APP/node_modules/$f")"
      done
    fi ;;
  none) ;;
esac

cat > "$WRAPPER" <<EOF
#!/bin/sh
# lowband command line (installed by systemd/install.sh)
exec $NODE $PREFIX/dist/src/cli/main.js "\$@"
EOF
put "$WRAPPER" /usr/bin/lowband 0755

# --- service account, unit, udev -------------------------------------------------------------
say "service"
put "$REPO/systemd/lowband.sysusers" /usr/lib/sysusers.d/lowband.conf 0644
put "$REPO/systemd/lowband.service" /etc/systemd/system/lowband.service 0644
put "$REPO/hardware/udev/99-lowband.rules" /etc/udev/rules.d/99-lowband.rules 0644
if [ -z "$ROOT" ]; then
  if command -v systemd-sysusers >/dev/null 2>&1; then
    systemd-sysusers /usr/lib/sysusers.d/lowband.conf
  elif ! getent passwd lowband >/dev/null; then
    # Fallback for hosts without systemd-sysusers.
    getent group lowband >/dev/null || groupadd --system lowband
    useradd --system --gid lowband --groups dialout --home-dir /var/lib/lowband \
      --no-create-home --shell /usr/sbin/nologin --comment "lowband IoT gateway" lowband
    say "  created user lowband"
  fi
else
  say "  user: skipped under --root (systemd-sysusers creates it at first boot)"
fi

# --- configuration and state --------------------------------------------------------------------
say "config"
mkdir -p "$ROOT/etc/lowband"
chmod 0750 "$ROOT/etc/lowband"
DEFAULT_CFG="$REPO/config/lowband.yaml"
if [ ! -f "$DEFAULT_CFG" ]; then
  DEFAULT_CFG="$WRAPPER.cfg"
  printf '# lowband configuration: see docs/install.md\nstate_dir: /var/lib/lowband\n' > "$DEFAULT_CFG"
fi
# The pristine default is kept with the app so uninstall can tell an edited config from ours.
put "$DEFAULT_CFG" "$PREFIX/config/lowband.yaml" 0644
CFG=/etc/lowband/lowband.yaml
if [ ! -e "$ROOT$CFG" ]; then
  put "$DEFAULT_CFG" "$CFG" 0640
elif cmp -s "$DEFAULT_CFG" "$ROOT$CFG"; then
  rm -f "$ROOT$CFG.new-default"
else
  put "$DEFAULT_CFG" "$CFG.new-default" 0640
  say "  kept your edited $CFG; the new default is $CFG.new-default"
fi
mkdir -p "$ROOT/var/lib/lowband"
chmod 0750 "$ROOT/var/lib/lowband"
if have_user; then
  chown root:lowband /etc/lowband "$ROOT$CFG"
  if [ -f "$CFG.new-default" ]; then chown root:lowband "$CFG.new-default"; fi
  chown lowband:lowband /var/lib/lowband
fi

# --- activate -------------------------------------------------------------------------------
if booted_systemd; then
  systemctl daemon-reload
  if command -v udevadm >/dev/null 2>&1; then
    udevadm control --reload || true
    udevadm trigger --subsystem-match=tty || true
  fi
  if [ "$ENABLE" = 1 ]; then
    systemctl enable lowband.service
    if [ -s "$CHANGED" ] && systemctl is-active --quiet lowband.service; then
      systemctl restart lowband.service
    else
      systemctl start lowband.service || say "  start failed: see journalctl -u lowband and run: lowband doctor"
    fi
  fi
elif [ -n "$ROOT" ]; then
  say "systemctl: skipped (--root); on the target run: systemctl enable --now lowband"
else
  say "systemctl: skipped (not booted with systemd); enable later with: systemctl enable --now lowband"
fi
say "done. Check with: lowband doctor && lowband status"
