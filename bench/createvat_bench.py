#!/usr/bin/env python3
"""Dynamic vat creation, side by side: a host session creates N counter vats one after another
through E(vatAdminService).createVatByName (each: create-vat, startVat, newVatCallback), and
this prints the median time per createVat on our kernel and on the JS SwingSet 0.33 host, then
restart-to-first-reply with all of them in the DB. Asserts nothing.

  python3 bench/createvat_bench.py [--n 20] [--no-js]
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'durability'))
from durability import Session, smallcaps  # noqa: E402

CONFIG = os.path.join(ROOT, 'tests', 'scenarios', 'dynamic-vats', 'config.json')
HOSTS = {'ours': [os.path.join(ROOT, 'build', 'src', 'cli', 'swingset')],
         'JS': ['node', os.path.join(ROOT, 'bench', 'reference', 'js-host.mjs')]}


class CmdSession(Session):
    def __init__(self, cmd, state, log):  # Session takes a binary; the JS host is a command
        from driver import Host
        self.host = Host(cmd + ['host'] if cmd[0] != 'node' else cmd, state, log)


def measure(name, n, tmp):
    state = os.path.join(tmp, f'state-{name}')
    log = open(os.path.join(tmp, f'{name}.log'), 'w')
    s = CmdSession(HOSTS[name], state, log)
    s.request('init', config=CONFIG, argv=[])
    s.request('run')
    times = []
    for i in range(n):
        t = time.monotonic()
        s.send('bootstrap', 'createByName', [f'c{i}', 'counter', 0])
        times.append(time.monotonic() - t)
    s.close()
    t = time.monotonic()
    s = CmdSession(HOSTS[name], state, log)
    s.request('open')
    reply = s.send('bootstrap', 'increment', [f'c{n // 2}'])
    restart = time.monotonic() - t
    s.close()
    assert reply.get('result', {}).get('body') == '#1', reply
    return statistics.median(times), restart


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n', type=int, default=20)
    ap.add_argument('--no-js', action='store_true')
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix='swingset-createvat-')
    try:
        rows = {name: measure(name, a.n, tmp) for name in (['ours'] if a.no_js else ['ours', 'JS'])}
        print(f'createVat: {a.n} dynamic counter vats created one by one; {time.strftime("%Y-%m-%d")}, {os.cpu_count()} cores')
        for name, (create, restart) in rows.items():
            print(f'  {name:<5} createVat median {create * 1e3:7.1f} ms ({1 / create:5.2f} vats/s); '
                  f'restart + first reply with {a.n} dynamic vats: {restart * 1e3:7.1f} ms')
        if 'JS' in rows:
            print(f'  createVat: ours is {rows["JS"][0] / rows["ours"][0]:.1f}x faster; '
                  f'restart + first reply: {rows["JS"][1] / rows["ours"][1]:.1f}x faster')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
