#!/bin/sh
# Installs the Node packages of the TFLite reference harness (tests/node/node_modules) when they
# are missing, exactly as package-lock.json pins them. Silent on success; on failure says why on
# stderr and exits non-zero. Safe to run from several tests at once (one installs, others wait).
set -u
dir=$(cd "$(dirname "$0")" && pwd)
marker="$dir/node_modules/@tensorflow/tfjs-tflite/wasm/tflite_web_api_cc_simd.wasm"
[ -f "$marker" ] && exit 0
for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "tests/node/ensure.sh: '$tool' is not installed; the interop tests need Node.js and npm" \
         "(Debian: apt-get install nodejs npm)" >&2
    exit 1
  fi
done
lock="${TMPDIR:-/tmp}/segpipe-node-ensure.$(id -u).lock"
(
  flock 9 2>/dev/null || true
  [ -f "$marker" ] && exit 0
  log="${TMPDIR:-/tmp}/segpipe-npm-ci.$$.log"
  if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
    echo "tests/node/ensure.sh: 'npm ci' in $dir failed (needs access to the npm registry):" >&2
    cat "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
  if [ ! -f "$marker" ]; then
    echo "tests/node/ensure.sh: npm ci succeeded but $marker is missing" >&2
    exit 1
  fi
) 9>"$lock"
