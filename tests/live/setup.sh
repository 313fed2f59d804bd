#!/usr/bin/env bash
# Installs the real clients the live tests drive (python smpplib) into
# target/live-venv, from PyPI. Idempotent; the tests look for it there.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/live-venv
if [ ! -x "$venv/bin/python" ]; then
  mkdir -p target
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/live/requirements.txt
"$venv/bin/python" -c "import smpplib, twilio; print('live clients ready:', '$venv')"
