#!/usr/bin/env bash
# Installs everything the tests that drive real peers need. First the
# machine's tools, from Debian's packages when one is missing (headless
# Chromium, Kannel, Node.js with npm, Python 3 with its venv module, which
# Debian and Ubuntu ship apart as python3-venv; needs root or sudo). Then
# python smpplib and twilio into target/live-venv (PyPI), and the npm `smpp`
# package into target/live-node (npm registry). Needs network access to the
# three. Idempotent; the tests look there.
set -euo pipefail
cd "$(dirname "$0")/../.."

packages=""
command -v chromium >/dev/null 2>&1 || packages="$packages chromium"
[ -x /usr/sbin/bearerbox ] || packages="$packages kannel"
command -v npm >/dev/null 2>&1 || packages="$packages nodejs npm"
command -v python3 >/dev/null 2>&1 || packages="$packages python3"
# Without python3-venv, `python3 -m venv` fails for want of ensurepip.
python3 -c 'import ensurepip' >/dev/null 2>&1 || packages="$packages python3-venv"
if [ -n "$packages" ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  for attempt in 1 2; do
    if $sudo apt-get update -qq && $sudo apt-get install -y -qq $packages >/dev/null; then break; fi
    echo "apt-get install$packages failed (attempt $attempt)" >&2
    [ "$attempt" = 2 ] && exit 1
    sleep 10
  done
fi
venv=target/live-venv
# A venv made while ensurepip was missing has a python but no pip: redo it.
if [ ! -x "$venv/bin/pip" ]; then
  mkdir -p target
  python3 -m venv --clear "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/live/requirements.txt
"$venv/bin/python" -c "import smpplib, twilio; print('live clients ready:', '$venv')"
node_dir=target/live-node
mkdir -p "$node_dir"
cp tests/live/node/package.json tests/live/node/package-lock.json "$node_dir/"
(cd "$node_dir" && npm ci --silent --no-audit --no-fund)
NODE_PATH="$node_dir/node_modules" node -e "require('smpp'); console.log('npm smpp ready:', '$node_dir')"
