#!/usr/bin/env python3
"""Regenerate the golden references: run every scenario against the JS reference kernel
(node bench/reference/js-host.mjs) with tests/golden/driver.py, krefs not normalized, and write
tests/golden/reference/NAME.json carrying the scenario's content key (see golden_common.py).

  python3 tests/golden/refresh.py              # all scenarios
  python3 tests/golden/refresh.py --stale      # only the missing or stale ones
  python3 tests/golden/refresh.py gc promises  # just these (names or folders)
  python3 tests/golden/refresh.py --check      # list ok/stale/missing; no Node, exit 1 if any

Runs bench/reference/setup.sh first (idempotent; installs the JS kernel the first time).
Each scenario takes ~15-60 s. Run from anywhere; paths are relative to the repository root.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_common as g  # noqa: E402


def refresh_one(name, folder):
    vers = g.versions()
    if vers != g.PINNED:
        print(f'refresh: note: lockfile resolves {vers}, pinned {g.PINNED}')
    key = g.scenario_key(folder, vers)
    os.makedirs(g.REFERENCE_DIR, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='swingset-golden-ref-') as tmp:
        out = os.path.join(tmp, f'{name}.json')
        t0 = time.monotonic()
        rc = subprocess.call([sys.executable, g.DRIVER, 'run', '--host', g.JS_HOST,
                              '--scenario', os.path.join(folder, 'script.json'), '--out', out,
                              '--log', os.path.join(tmp, 'host.log'), '--quiet'], cwd=g.ROOT)
        took = time.monotonic() - t0
        if not os.path.exists(out):
            with open(os.path.join(tmp, 'host.log')) as f:
                sys.stdout.write(f.read()[-4000:])
            print(f'refresh: {name}: the driver wrote no record (exit {rc})')
            return False
        with open(out) as f:
            rec = json.load(f)
        if rc != 0:
            with open(os.path.join(tmp, 'host.log')) as f:
                sys.stdout.write(f.read()[-2000:])
    # keep the committed file stable across refreshes: drop wall-clock times
    for info in rec.get('info', []):
        info.pop('ms', None)
    rec['scenario'] = os.path.relpath(os.path.join(folder, 'script.json'), g.ROOT)
    rec['host'] = g.JS_HOST
    rec['reference'] = {
        'key': key,
        'versions': vers,
        'files': {n: g.file_sha(folder, n) for n in g.content_files(folder)},
        'normalizeKrefs': False,
        'regenerate': 'python3 tests/golden/refresh.py ' + name,
    }
    path = g.reference_path(name)
    with open(path + '.tmp', 'w') as f:
        json.dump(rec, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write('\n')
    os.replace(path + '.tmp', path)
    fails = rec.get('failures', [])
    print(f'refresh: {name}: {len(rec["steps"])} steps -> {os.path.relpath(path, g.ROOT)} '
          f'({took:.0f} s, final activity hash {(g.final_activity_hash(rec) or (None, None))[1]})')
    for fl in fails:
        print(f'refresh: {name}: WARNING the JS kernel failed an expectation: {fl}')
    return not fails


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('names', nargs='*', help='scenario names or folders (default: all)')
    ap.add_argument('--stale', action='store_true', help='only missing or stale references')
    ap.add_argument('--check', action='store_true', help='only report status; never runs Node')
    ap.add_argument('--no-setup', action='store_true', help='skip bench/reference/setup.sh')
    args = ap.parse_args()

    todo = [g.resolve(n) for n in args.names] if args.names else sorted(g.scenarios().items())
    status = {name: g.reference_status(name, folder) for name, folder in todo}
    if args.check:
        bad = 0
        for name, (st, _, why) in status.items():
            print(f'{name:<20} {st}{"  (" + why + ")" if why else ""}')
            bad += st != 'ok'
        return 1 if bad else 0
    if args.stale:
        todo = [(n, d) for n, d in todo if status[n][0] != 'ok']
        if not todo:
            print('refresh: every reference is up to date')
            return 0
    if not args.no_setup:
        subprocess.check_call([os.path.join(g.ROOT, 'bench', 'reference', 'setup.sh')])
    ok = True
    for name, folder in todo:
        if status[name][0] != 'ok':
            print(f'refresh: {name}: {status[name][0]} ({status[name][2]})')
        ok &= refresh_one(name, folder)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
