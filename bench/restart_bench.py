#!/usr/bin/env python3
"""Restart-to-first-reply: how long a new `swingset send` process takes to answer, as a function
of history (a vat with 50 vs 5,000 deliveries) and of how many vats the DB holds (1 vs many,
messaging one of them). Every `swingset send` is a full restart: open the store, bring the vat
online (snapshot + replay of the current span), deliver, commit. Prints medians; asserts nothing.

  python3 bench/restart_bench.py [--reps 5] [--vats 100]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, 'build', 'src', 'cli', 'swingset')
BUNDLES = os.path.join(ROOT, 'build', 'tests', 'bundles')


def cli(*args):
    p = subprocess.run([BIN, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if p.returncode != 0:
        sys.exit(f'{args[0]} failed: {p.stdout}')
    return json.loads(p.stdout)


def timed_sends(state, vat, method, args, reps):
    times = []
    for _ in range(reps):
        t = time.monotonic()
        cli('send', '--state', state, vat, method, json.dumps(args))
        times.append(time.monotonic() - t)
    return statistics.median(times)


def rally_state(tmp, round_trips):
    """bob ends with 2 deliveries (ping + bringOutYourDead) per round trip."""
    config = os.path.join(tmp, f'rally-{round_trips}.json')
    vat = lambda n: {'bundleSpec': os.path.join(BUNDLES, f'{n}.bundle.json')}
    with open(config, 'w') as f:
        json.dump({'bootstrap': 'bootstrap', 'defaultManagerType': 'xsnap', 'pinBootstrapRoot': True,
                   'vats': {'bootstrap': vat('vat-rally-bootstrap'), 'alice': vat('vat-alice'),
                            'bob': vat('vat-bob')}}, f)
    state = os.path.join(tmp, f'state-rally-{round_trips}')
    cli('init', '--state', state, config)
    cli('run', '--state', state)
    cli('send', '--state', state, 'bootstrap', 'rally', json.dumps([round_trips]))
    return state


def many_vats_state(tmp, n):
    config = os.path.join(tmp, f'vats-{n}.json')
    vats = {'bootstrap': {'bundleSpec': os.path.join(BUNDLES, 'vat-rally-bootstrap.bundle.json')}}
    for i in range(n):
        vats[f'bob{i:04d}'] = {'bundleSpec': os.path.join(BUNDLES, 'vat-bob.bundle.json')}
    with open(config, 'w') as f:
        json.dump({'bootstrap': 'bootstrap', 'defaultManagerType': 'xsnap', 'pinBootstrapRoot': True,
                   'vats': vats}, f)
    state = os.path.join(tmp, f'state-vats-{n}')
    cli('init', '--state', state, config)
    cli('run', '--state', state)
    return state


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--vats', type=int, default=100, help='static vats in the "many" case')
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix='swingset-restart-')
    try:
        rows = []
        small, big = rally_state(tmp, 25), rally_state(tmp, 2500)
        t50 = timed_sends(small, 'bob', 'count', [], a.reps)
        t5000 = timed_sends(big, 'bob', 'count', [], a.reps)
        rows.append(('vat with 50 deliveries of history', t50))
        rows.append(('vat with 5,000 deliveries of history', t5000))
        one = many_vats_state(tmp, 1)
        many = many_vats_state(tmp, a.vats)
        t1 = timed_sends(one, 'bob0000', 'ping', [1], a.reps)
        tn = timed_sends(many, f'bob{a.vats // 2:04d}', 'ping', [1], a.reps)
        rows.append(('1 vat in the DB, messaging it', t1))
        rows.append((f'{a.vats} vats in the DB, messaging one', tn))
        print(f'restart-to-first-reply (new `swingset send` process until its result), median of {a.reps}; '
              f'{time.strftime("%Y-%m-%d")}, {os.cpu_count()} cores')
        for what, t in rows:
            print(f'  {what:<44} {t * 1e3:8.1f} ms')
        print(f'  ratio 5,000 / 50 deliveries of history: {t5000 / t50:.2f}  (goal <= 1.3)')
        print(f'  ratio {a.vats} vats / 1 vat: {tn / t1:.2f}  (goal <= 3)')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
