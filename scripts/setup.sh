#!/usr/bin/env bash
# One idempotent set-up for a fresh Debian 12 machine: the -dev packages the C++ build needs, the
# pinned npm packages in js/ (which build the xsnap-worker binary), and a check that the worker runs.
# Fast when everything is already there: apt and npm are skipped when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(
  cmake ninja-build g++ pkg-config
  libsqlite3-dev libssl-dev zlib1g-dev libdeflate-dev nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 git make
)
command -v node >/dev/null || apt_packages+=(nodejs)
command -v npm >/dev/null || apt_packages+=(npm)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm ci only when the lock file changed since the last install (npm writes its own copy there).
worker=js/node_modules/@agoric/xsnap/xsnap-native/xsnap/build/bin/lin/release/xsnap-worker
if [ ! -x "$worker" ] || ! cmp -s js/package-lock.json js/node_modules/.package-lock.json.installed; then
  echo "setup: npm ci in js/ (builds xsnap-worker from the pinned @agoric/xsnap sources)"
  mkdir -p .cache
  log=.cache/npm-setup.log
  # Only xsnap's install script is needed (it builds the worker); better-sqlite3's, pulled in by
  # swingset-vat, is not.
  if ! (cd js && npm ci --ignore-scripts --no-audit --no-fund) >"$log" 2>&1; then
    tail -40 "$log" >&2; echo "setup: FAILED: npm ci in js/ (full log: $log)" >&2; exit 1
  fi
  if ! (cd js && npm rebuild @agoric/xsnap --foreground-scripts) >>"$log" 2>&1; then
    tail -40 "$log" >&2; echo "setup: FAILED: building xsnap-worker (full log: $log)" >&2; exit 1
  fi
  rm -rf js/build
  cp js/package-lock.json js/node_modules/.package-lock.json.installed
fi

# The vat-admin vat shipped in @agoric/swingset-vat, bundled in place (as the JS kernel does, so
# its bundle ID is the same).
vat_admin=js/build/vat-vat-admin.bundle.json
if [ ! -s "$vat_admin" ]; then
  echo "setup: bundling the vat-admin vat from @agoric/swingset-vat"
  node js/bundle-vat.mjs --in-place js/node_modules/@agoric/swingset-vat/src/vats/vat-admin/vat-vat-admin.js "$vat_admin"
fi

if ! version=$("$worker" -v 2>&1) || [[ "$version" != "xsnap 0.15.0 "* ]]; then
  echo "setup: FAILED: $worker is missing or is not xsnap 0.15.0 (got: ${version:-nothing})." >&2
  echo "setup: see the output of 'cd js && npm rebuild @agoric/xsnap --foreground-scripts'." >&2
  exit 1
fi
echo "setup: ok ($version)"
