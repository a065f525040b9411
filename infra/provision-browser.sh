#!/usr/bin/env bash
# Installs the headless browser that tests drive through playwright-core: Debian's `chromium`
# package (a distro build, so no browser download from a CDN and security updates through apt).
# Idempotent and quick when present: apt is only touched when /usr/bin/chromium is missing.
# Called by infra/provision.sh and, when the browser is missing, by test/helpers/browser.ts.
set -euo pipefail

CHROMIUM="${MASTOFLOW_CHROMIUM:-/usr/bin/chromium}"
step() { printf '[provision] %s\n' "$*"; }

if [ -x "$CHROMIUM" ]; then
  step "chromium present ($CHROMIUM)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  step "chromium missing and no apt-get: install a Chromium and set MASTOFLOW_CHROMIUM to its path" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
t=$(date +%s)
step "installing Debian's chromium with apt-get (once) ..."
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
step "chromium installed in $(( $(date +%s) - t ))s: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
