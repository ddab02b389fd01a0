#!/usr/bin/env bash
# Installs the JS reference kernel (bench/reference/node_modules) from package-lock.json and checks
# that it loads: better-sqlite3 and the xsnap worker are native and built from source here (no
# prebuilt-binary downloads), which takes a few minutes the first time. Idempotent: a second run
# only re-checks. Also primes .cache/ with the kernel bundles so js-host.mjs starts fast.
set -euo pipefail
cd "$(dirname "$0")"
die() { echo "bench/reference/setup.sh: $*" >&2; exit 1; }

command -v node >/dev/null || die "node is not installed (need Node 20 or 22)"
command -v npm >/dev/null || die "npm is not installed"
node -e 'const [M]=process.versions.node.split(".").map(Number); process.exit(M===20||M===22?0:1)' \
  || die "need Node 20 or 22, have $(node --version)"

sqlite_node=node_modules/better-sqlite3/build/Release/better_sqlite3.node
xsnap_bin=node_modules/@agoric/xsnap/xsnap-native/xsnap/build/bin/lin/release/xsnap-worker
stamp=node_modules/.setup-stamp

if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ ! -f "$sqlite_node" ] || [ ! -x "$xsnap_bin" ]; then
  echo "bench/reference: npm ci (builds better-sqlite3 and xsnap from source; a few minutes)" >&2
  mkdir -p .cache
  log=.cache/npm-install.log
  npm ci --no-audit --no-fund --foreground-scripts >"$log" 2>&1 \
    || { tail -40 "$log" >&2; die "npm ci failed (needs the npm registry, python3, make and g++ for node-gyp); log: $log"; }
  # npm 11 may skip install scripts: build the native parts explicitly if they are missing
  if [ ! -f "$sqlite_node" ] || [ ! -x "$xsnap_bin" ]; then
    npm rebuild better-sqlite3 @agoric/xsnap --foreground-scripts >>"$log" 2>&1 \
      || { tail -40 "$log" >&2; die "npm rebuild of better-sqlite3 / @agoric/xsnap failed; log: $log"; }
  fi
  [ -f "$sqlite_node" ] || die "better-sqlite3 native module missing: $sqlite_node"
  [ -x "$xsnap_bin" ] || die "xsnap worker missing: $xsnap_bin"
  touch "$stamp"
fi

# verify the kernel, the store and the xsnap worker load (seconds)
node --input-type=module -e "
import '@endo/init/debug.js';
const sv = await import('@agoric/swingset-vat');
const { initSwingStore } = await import('@agoric/swing-store');
const { xsnap } = await import('@agoric/xsnap');
if (typeof sv.makeSwingsetController !== 'function') throw Error('swingset-vat has no makeSwingsetController');
const { kernelStorage, hostStorage } = initSwingStore(null);
kernelStorage.kvStore.set('probe', '1');
await hostStorage.close();
" >&2 || die "the JS kernel does not load (see above); try: rm -rf node_modules && $0"
node js-host.mjs --prime-cache || die "cannot build the kernel bundles"
echo "bench/reference: JS reference kernel ready ($(node -p 'require("./node_modules/@agoric/swingset-vat/package.json").version'))" >&2
