#!/usr/bin/env python3
"""ctest entry for one scenario: runs its script.json against `swingset host` with the golden
driver (every step's "expect" must hold), then runs it a second time and checks determinism: the
same inputs must give the same results and the same activity hash after every step.

  run_scenario.py SWINGSET_BINARY SCENARIO_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, '..', 'golden', 'driver.py')


def run(binary, script, out):
    rc = subprocess.call([sys.executable, DRIVER, 'run', '--host', f'{binary} host', '--scenario', script,
                          '--out', out, '--quiet'])
    with open(out) as f:
        return rc, json.load(f)


def main():
    binary, scenario = sys.argv[1], sys.argv[2]
    script = os.path.join(scenario, 'script.json')
    with tempfile.TemporaryDirectory(prefix='swingset-scenario-') as tmp:
        rc, first = run(binary, script, os.path.join(tmp, 'first.json'))
        if rc != 0:
            print(f'scenario {scenario}: expectations failed (see above)')
            return 1
        _, second = run(binary, script, os.path.join(tmp, 'second.json'))
    hashes = lambda rec: [(i.get('step'), i.get('stats', {}).get('activityHash')) for i in rec['info']]
    if first['steps'] != second['steps']:
        print('determinism: the two runs gave different results')
        return 1
    if hashes(first) != hashes(second):
        for a, b in zip(hashes(first), hashes(second)):
            if a != b:
                print(f'determinism: activity hash differs at step {a[0]}: {a[1]} vs {b[1]}')
                break
        return 1
    print(f'scenario {os.path.basename(scenario)}: {len(first["steps"])} steps as expected, '
          f'deterministic (final activity hash {hashes(first)[-1][1]})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
