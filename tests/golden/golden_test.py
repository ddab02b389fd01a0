#!/usr/bin/env python3
"""Golden test: swingset-cpp against the committed JS-kernel references.

  golden_test.py SWINGSET_BINARY [SCENARIO ...]   (names or folders; default: every scenario)

For each scenario: if tests/golden/reference/NAME.json is missing or stale (its key no longer
matches the scenario's files or the pinned JS kernel versions), FAIL and say to run the refresh
command (Node is never run here). Otherwise run `SWINGSET_BINARY host` through driver.py (krefs not
normalized) and compare the `steps` with the reference, step by step; the first difference is
printed with both sides. Differences listed in tests/golden/known-differences.json
([{"scenario", "step", "reason"}]) are allowed. The final activity hash is reported as same or
different, never asserted.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_common as g  # noqa: E402


def load_known():
    if not os.path.exists(g.KNOWN_DIFFERENCES):
        return []
    with open(g.KNOWN_DIFFERENCES) as f:
        known = json.load(f)
    for k in known:
        if not {'scenario', 'step', 'reason'} <= set(k):
            raise SystemExit(f'golden: bad entry in known-differences.json (needs scenario, step, reason): {k}')
    return known


def show(rec):
    return json.dumps(rec, sort_keys=True, ensure_ascii=False)


def check(binary, name, folder, known):
    status, ref, why = g.reference_status(name, folder)
    if status != 'ok':
        print(f'golden {name}: FAIL reference is {status} ({why}).\n'
              f'  Regenerate it with Node: {g.REFRESH_CMD}   (or: python3 tests/golden/refresh.py {name})')
        return False
    with tempfile.TemporaryDirectory(prefix='swingset-golden-') as tmp:
        out = os.path.join(tmp, 'ours.json')
        rc = subprocess.call([sys.executable, g.DRIVER, 'run', '--host', f'{binary} host',
                              '--scenario', os.path.join(folder, 'script.json'), '--out', out,
                              '--quiet'], cwd=g.ROOT)
        if not os.path.exists(out):
            print(f'golden {name}: FAIL the driver wrote no record (exit {rc})')
            return False
        with open(out) as f:
            ours = json.load(f)
    allowed = {k['step']: k['reason'] for k in known if k['scenario'] == name}
    sa, sb = ref['steps'], ours['steps']
    diffs, used = [], set()
    for i in range(max(len(sa), len(sb))):
        ra = sa[i] if i < len(sa) else None
        rb = sb[i] if i < len(sb) else None
        if ra == rb:
            continue
        if i in allowed:
            used.add(i)
            print(f'golden {name}: step {i} differs as known: {allowed[i]}')
            continue
        diffs.append((i, ra, rb))
    for step in sorted(set(allowed) - used):
        print(f'golden {name}: note: known difference at step {step} no longer occurs ({allowed[step]})')

    # reported, never asserted
    ha, hb = g.final_activity_hash(ref), g.final_activity_hash(ours)
    if not ha or not hb:
        hash_line = f'activity hash: unknown (reference {ha and ha[1]}, ours {hb and hb[1]})'
    elif ha[1] == hb[1]:
        hash_line = f'activity hash: same ({ha[1][:16]}...)'
    else:
        per_a, per_b = g.activity_hashes(ref), g.activity_hashes(ours)
        first = next((s for s in sorted(set(per_a) & set(per_b), key=lambda x: (x is None, x))
                      if per_a[s] and per_b[s] and per_a[s] != per_b[s]), None)
        hash_line = (f'activity hash: different (JS {ha[1][:16]}... ours {hb[1][:16]}...; '
                     f'first differs after step {first})')

    if diffs:
        i, ra, rb = diffs[0]
        print(f'golden {name}: FAIL {len(diffs)} of {max(len(sa), len(sb))} steps differ from the JS kernel; '
              f'first at step {i}:')
        print(f'  JS:   {show(ra)}')
        print(f'  ours: {show(rb)}')
        for fl in ours.get('failures', []):
            print(f'  (driver: {fl})')
        print(f'golden {name}: {hash_line}')
        return False
    print(f'golden {name}: PASS {len(sb)} steps match the JS kernel; {hash_line}')
    return True


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 64
    binary = os.path.abspath(sys.argv[1])
    todo = [g.resolve(a) for a in sys.argv[2:]] or sorted(g.scenarios().items())
    known = load_known()
    results = [check(binary, name, folder, known) for name, folder in todo]
    if len(todo) > 1:
        print(f'golden: {sum(results)}/{len(results)} scenarios pass')
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
