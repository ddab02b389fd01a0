"""Shared by refresh.py and golden_test.py: scenario discovery, the content key that ties a
committed JS-kernel reference (tests/golden/reference/NAME.json) to its scenario, and the
staleness check. Stdlib only; never runs Node.

Key = sha256 over, in this order:
  "swingset-golden-v1\n", "swingset-vat VERSION\n", "xsnap VERSION\n",
  then for each .js/.json file of the scenario folder, sorted by name (script.json and config.json
  included): "NAME\0" + sha256(file bytes) hex + "\n".
The versions are those resolved by bench/reference/package-lock.json (pinned: swingset-vat 0.33.0,
xsnap 0.15.0), so bumping the reference kernel makes every reference stale too.
"""
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
REFERENCE_DIR = os.path.join(HERE, 'reference')
KNOWN_DIFFERENCES = os.path.join(HERE, 'known-differences.json')
DRIVER = os.path.join(HERE, 'driver.py')
LOCKFILE = os.path.join(ROOT, 'bench', 'reference', 'package-lock.json')
SCENARIO_PARENTS = [os.path.join(ROOT, 'tests', 'scenarios'), os.path.join(ROOT, 'tests', 'golden', 'scenarios')]
REFRESH_CMD = 'python3 tests/golden/refresh.py --stale'
JS_HOST = 'node bench/reference/js-host.mjs'
PINNED = {'swingset-vat': '0.33.0', 'xsnap': '0.15.0'}


def scenarios():
    """{name: folder} for every tests/scenarios/*/ and tests/golden/scenarios/*/ with a script.json."""
    found = {}
    for parent in SCENARIO_PARENTS:
        if not os.path.isdir(parent):
            continue
        for name in sorted(os.listdir(parent)):
            d = os.path.join(parent, name)
            if os.path.isfile(os.path.join(d, 'script.json')):
                if name in found:
                    raise SystemExit(f'golden: two scenario folders named {name!r}: {found[name]} and {d}')
                found[name] = d
    return found


def resolve(arg):
    """A scenario name or folder -> (name, folder)."""
    if os.path.isdir(arg):
        d = os.path.abspath(arg)
        return os.path.basename(d.rstrip('/')), d
    all_ = scenarios()
    if arg not in all_:
        raise SystemExit(f'golden: unknown scenario {arg!r} (have: {", ".join(all_)})')
    return arg, all_[arg]


def versions():
    """Versions of the reference kernel packages resolved by the lockfile."""
    with open(LOCKFILE) as f:
        lock = json.load(f)
    pkgs = lock.get('packages', {})
    out = {}
    for short, full in (('swingset-vat', '@agoric/swingset-vat'), ('xsnap', '@agoric/xsnap')):
        out[short] = pkgs.get(f'node_modules/{full}', {}).get('version', '?')
    return out


def content_files(folder):
    return sorted(f for f in os.listdir(folder)
                  if f.endswith(('.js', '.json')) and os.path.isfile(os.path.join(folder, f)))


def scenario_key(folder, vers=None):
    vers = vers or versions()
    h = hashlib.sha256()
    h.update(b'swingset-golden-v1\n')
    h.update(f'swingset-vat {vers["swingset-vat"]}\nxsnap {vers["xsnap"]}\n'.encode())
    for name in content_files(folder):
        with open(os.path.join(folder, name), 'rb') as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        h.update(name.encode() + b'\0' + digest.encode() + b'\n')
    return h.hexdigest()


def reference_path(name):
    return os.path.join(REFERENCE_DIR, f'{name}.json')


def reference_status(name, folder):
    """(status, reference or None, why): status is 'ok', 'missing' or 'stale'."""
    path = reference_path(name)
    if not os.path.exists(path):
        return 'missing', None, f'no reference {os.path.relpath(path, ROOT)}'
    with open(path) as f:
        ref = json.load(f)
    meta = ref.get('reference', {})
    vers = versions()
    key = scenario_key(folder, vers)
    if meta.get('key') != key:
        why = []
        if meta.get('versions') != vers:
            why.append(f'kernel versions {meta.get("versions")} -> {vers}')
        old = meta.get('files', {})
        new = {n: file_sha(folder, n) for n in content_files(folder)}
        changed = sorted(n for n in set(old) | set(new) if old.get(n) != new.get(n))
        if changed:
            why.append('changed files: ' + ', '.join(changed))
        return 'stale', ref, '; '.join(why) or 'key differs'
    return 'ok', ref, ''


def file_sha(folder, name):
    with open(os.path.join(folder, name), 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def final_activity_hash(record):
    """The activity hash reported with the last reply that had one (None if none)."""
    last = None
    for info in record.get('info', []):
        h = (info.get('stats') or {}).get('activityHash')
        if h:
            last = (info.get('step'), h)
    return last


def activity_hashes(record):
    return {i.get('step'): (i.get('stats') or {}).get('activityHash') for i in record.get('info', [])}
