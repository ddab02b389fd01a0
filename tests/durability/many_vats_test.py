#!/usr/bin/env python3
"""Many dynamic vats survive restarts and come back lazily, each loaded once per round.

Creates SWINGSET_MANY_VATS dynamic counter vats through createVatByName (default 80: more than
the 50 workers online, and about 2 minutes on an idle 2-core machine; a few hundred for the long
mode), each with a heap snapshot (so that every later load is one snapshot load and one worker
start), then, with real host restarts and real workers:
  1. restart, message one vat: the workers that run are the bootstrap vat's, that vat's, and some
     of those the host preloads (the vats online at the last commit), each started once;
  2. restart with --max-vats-online above the vat count, message all at once (one request): every
     vat is loaded exactly once, and a second round loads nothing;
  3. restart with the default limit (50, fewer than the vats): all at once, then one request per
     vat; every count is checked, the worker starts are printed, not checked.
Vat i starts counting at 1000 * i. Worker starts come from the host's stats, the live workers
from the host's child processes (argv[1] is "<vatID>:<vat name>").

  many_vats_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

from durability import Host, report, smallcaps, write_counters_config

BATCH = 25  # vats asked for in one request while creating


class Session:
    """A host process with optional CLI flags; stats() gives each request's counters (the host's
    are cumulative since it started)."""

    def __init__(self, binary, state, log, *flags):
        self.host = Host([binary, 'host', *flags], state, log)
        self.total = {}

    def request(self, op, **fields):
        reply = self.host.request(dict(op=op, **fields), 600)
        if not reply.get('ok'):
            raise AssertionError(f'{op} failed: {reply.get("error")}')
        stats = {k: v for k, v in reply.get('stats', {}).items() if isinstance(v, int)}
        reply['stats'], self.total = {k: v - self.total.get(k, 0) for k, v in stats.items()}, stats
        return reply

    def call(self, method, *args):
        """bootstrap.method(...args): (value, this request's stats)."""
        reply = self.request('send', target={'vat': 'bootstrap'}, method=method, args=smallcaps(list(args)))
        if reply.get('status') != 'fulfilled':
            raise AssertionError(f'{method}{args}: {reply.get("status")} {reply.get("result")}')
        return json.loads(reply['result']['body'][1:]), reply['stats']

    def workers(self):
        """Names of the host's live xsnap workers, one entry per process."""
        out = subprocess.run(['pgrep', '-a', '-P', str(self.host.proc.pid)], stdout=subprocess.PIPE,
                             text=True).stdout
        return sorted(line.split()[2].split(':', 1)[1] for line in out.splitlines()
                      if 'xsnap-worker' in line and ':' in line.split()[2])

    def settle(self):
        """Waits until background preloads are over (the counters and the live workers stay the
        same for a second); returns (vat loads since the host started, live workers). A load is a
        worker start that is not the restart from a new heap snapshot (restartWorkerOnSnapshot)."""
        seen, stable, deadline = None, 0, time.monotonic() + 120
        while stable < 4 and time.monotonic() < deadline:
            time.sleep(0.25)
            self.request('run')
            now = (self.total.get('workerSpawns', 0) - self.total.get('snapshotSaves', 0), self.workers())
            stable = stable + 1 if now == seen else 0
            seen = now
        return seen

    def close(self):
        self.request('shutdown')
        self.host.wait()


def online_at_last_commit(state):
    """Names of the vats online at the last commit, most recently used first: the host preloads
    them at open (local.warehouse.online)."""
    con = sqlite3.connect(os.path.join(state, 'swingstore.sqlite'))
    try:
        kv = dict(con.execute("SELECT key, value FROM kvStore WHERE key = 'local.warehouse.online' "
                              "OR key LIKE 'vat.name.%' OR key LIKE 'v%.options'"))
    finally:
        con.close()
    static = {v: k[len('vat.name.'):] for k, v in kv.items() if k.startswith('vat.name.')}
    name = lambda v: static.get(v) or json.loads(kv.get(f'{v}.options', '{}')).get('name', v)
    return [name(v) for v in json.loads(kv.get('local.warehouse.online', '[]'))]


def main():
    binary, bundles = sys.argv[1], os.path.abspath(sys.argv[2])
    n = int(os.environ.get('SWINGSET_MANY_VATS', '80'))
    began = time.monotonic()
    phase = lambda what: print(f'{time.monotonic() - began:6.1f} s  {what}', flush=True)
    checks = []
    check = lambda ok, what: checks.append((bool(ok), what))
    with tempfile.TemporaryDirectory(prefix='swingset-many-') as tmp:
        config, state = os.path.join(tmp, 'config.json'), os.path.join(tmp, 'state')
        write_counters_config(config, bundles)
        log = open(os.path.join(tmp, 'host.log'), 'w')
        counts = [1000 * i for i in range(n)]  # what each vat should hold
        everyone = ['bootstrap'] + [f'counter{i}' for i in range(n)]

        s = Session(binary, state, log, '--max-vats-online', str(n + 10))  # creating: no evictions
        s.request('init', config=config, argv=[])
        s.request('run')
        t = time.monotonic()
        have = 0
        while have < n:
            have, _ = s.call('create', min(BATCH, n - have))
        took = time.monotonic() - t
        print(f'created {n} dynamic vats in {took:.1f} s ({took / n * 1e3:.0f} ms per vat)')
        check(have == n, f'{n} vats created')
        for _ in range(2):  # past snapshotInitial: from now on every vat loads from a snapshot
            values, _ = s.call('incrementAll')
            counts = [c + 1 for c in counts]
        check(values == counts, 'two rounds before any restart: every count right')
        s.close()
        con = sqlite3.connect(os.path.join(state, 'swingstore.sqlite'))
        snapshotted = con.execute('SELECT COUNT(DISTINCT vatID) FROM snapshots').fetchone()[0]
        con.close()
        check(snapshotted >= n + 1, f'every vat has a heap snapshot ({snapshotted} vats have one)')

        phase('created, two rounds, snapshots checked')
        # 1. restart, message one vat that the host does not preload
        preload = online_at_last_commit(state)[:50]  # the host preloads at most max-vats-online
        one = next(i for i in range(n) if f'counter{i}' not in preload)
        s = Session(binary, state, log)
        s.request('open')
        value, _ = s.call('increment', one)
        counts[one] += 1
        spawns, live = s.settle()
        check(value == counts[one], f'counter{one} kept its count after the restart: {value}')
        # The preloads trickle in between cranks, a few ahead of the preload thread: how many of
        # them ran by now depends on timing, but nothing else may have been loaded.
        needed = {'bootstrap', f'counter{one}'}
        allowed = set(preload) | needed
        check(needed <= set(live) <= allowed,
              f'after one message, the live workers are counter{one}, bootstrap and some of the '
              f'{len(preload)} vats online at the last commit: {len(live)} live, '
              f'unexpected {sorted(set(live) - allowed)[:5]}, missing {sorted(needed - set(live))}')
        check(spawns == len(live), f'each loaded once: {spawns} vat loads for {len(live)} live workers')
        s.close()

        phase('1. restart, one message')
        # 2. everything fits online: all at once, each vat loaded once
        s = Session(binary, state, log, '--max-vats-online', str(n + 10))
        s.request('open')
        values, _ = s.call('incrementAll')
        counts = [c + 1 for c in counts]
        spawns, live = s.settle()
        check(values == counts, f'all at once (max-vats-online {n + 10}): every count right')
        check(set(everyone) <= set(live) and spawns == len(live),
              f'all at once: every vat loaded exactly once ({spawns} vat loads, {len(live)} live workers, '
              f'{len(set(everyone) - set(live))} of {len(everyone)} vats not live)')
        values, stats = s.call('incrementAll')
        counts = [c + 1 for c in counts]
        loads = stats['workerSpawns'] - stats['snapshotSaves']
        check(values == counts and loads == 0, f'a second round: every count right, {loads} vat loads')
        s.close()

        phase('2. restart, all at once with everything online')
        # 3. more vats than may be online (default 50): report what happens
        s = Session(binary, state, log)
        opened = s.request('open')
        values, stats = s.call('incrementAll')
        counts = [c + 1 for c in counts]
        check(values == counts, 'all at once (default max-vats-online 50): every count right')
        loads = lambda st: st['workerSpawns'] - st['snapshotSaves']
        print(f'note: all at once, {n} counters and at most 50 online: {loads(opened["stats"])} + {loads(stats)} '
              f'vat loads (open + round) for {n + 1} vats, {stats["snapshotLoads"]} snapshot loads, '
              f'{stats["replayedDeliveries"]} replayed deliveries')
        total, wrong = 0, []
        for i in range(n):
            value, stats = s.call('increment', i)
            counts[i] += 1
            total += loads(stats)
            if value != counts[i]:
                wrong.append((i, value, counts[i]))
        check(not wrong, f'one request per vat (default max-vats-online 50): every count right (wrong: {wrong[:5]})')
        print(f'note: then one request per vat: {total} vat loads for {n} vats')
        s.close()
        phase('3. restart, all at once and one by one with 50 online')
    return report(checks)


if __name__ == '__main__':
    sys.exit(main())
