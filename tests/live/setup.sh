#!/usr/bin/env bash
# Installs the real peers the live tests drive: python smpplib and twilio
# into target/live-venv (PyPI), and the npm `smpp` package into
# target/live-node (npm registry). Idempotent; the tests look there.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/live-venv
if [ ! -x "$venv/bin/python" ]; then
  mkdir -p target
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/live/requirements.txt
"$venv/bin/python" -c "import smpplib, twilio; print('live clients ready:', '$venv')"
node_dir=target/live-node
mkdir -p "$node_dir"
cp tests/live/node/package.json tests/live/node/package-lock.json "$node_dir/"
(cd "$node_dir" && npm ci --silent --no-audit --no-fund)
NODE_PATH="$node_dir/node_modules" node -e "require('smpp'); console.log('npm smpp ready:', '$node_dir')"
