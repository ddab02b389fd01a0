#!/usr/bin/env python3
"""Our kernel side by side with the JS SwingSet 0.33 kernel, in one Markdown table.

Both kernels run the same vat code behind the same JSON-lines host protocol
(`build/src/cli/swingset host` and `node bench/reference/js-host.mjs`), every vat on an xsnap
worker, SwingSet's defaults (BOYD after every delivery, a heap snapshot after 3 and then every
200 deliveries, at most 50 workers online). Workloads:

  ping-pong        N round trips between two static vats (bench/pingpong's vats); a fresh
                   kernel per run, a 20-exchange warm-up, then one timed rally of N
  create-vat       E(vatAdminService).createVatByName (bench/fanout/): the time of one
                   create(1) request (latency), and vats per second over batches of creates
  fan-out          bench/fanout's bootstrap vat sends one message to each of F dynamic vats at
                   once and collects the replies (F=100 > 50 online: every round reloads vats)
  restart          a new host process on an existing state dir until the first reply: a vat
                   with 50 / 5,000 deliveries of history; 1, F, B dynamic vats in the DB, the
                   message sent through the bootstrap vat (which replays its own span) and, for
                   1 and B, straight to the newest vat's root by kref
  restart + fan-out  a new host process, then one message to each of the F vats
  large messages   bench/bigmsg: an M MiB string from the host through the bootstrap vat to
                   another vat (its length comes back), and that string back to the host

Medians over --runs runs (ping-pong: fresh kernels; the others: repetitions on one state dir).
Peak RSS is the host process's own VmHWM (/proc/PID/status just before shutdown; its xsnap
workers are separate processes and not counted); DB size is the state dir after the workload.
The floor is the same work on xsnap workers alone, with ../shared/probes/floor_bench.py's
"kernel" that answers syscalls from a dict. Prints figures; asserts nothing about time.

  python3 bench/compare.py --quick            smoke run: small sizes, 2 runs (~5 min)
  python3 bench/compare.py                    full sizes, 5 runs (JS B=1000 vats alone: 20+ min)
  python3 bench/compare.py --skip-js-big      full sizes, but B vats on our kernel only
"""
import argparse
import datetime
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

from benchlib import (BUNDLES, KERNELS, ROOT, SWINGSET, Session, decode, dir_size,
                      floor_pingpong, floor_vat_costs, machine, median)

FANOUT_CONFIG = os.path.join(ROOT, 'bench', 'fanout', 'config.json')
BIGMSG_CONFIG = os.path.join(ROOT, 'bench', 'bigmsg', 'config.json')


def progress(msg):
    print(f'[{time.strftime("%H:%M:%S")}] {msg}', file=sys.stderr, flush=True)


def counted(stat, *replies):
    """A stat summed over these replies' requests: workerSpawns (the JS kernel preloads at open) or
    replayedDeliveries (what a restart costs in the workers, apart from starting them)."""
    return sum(r['stats'].get(stat, 0) for r in replies)


def root_kref(s, i):
    """The target of dynamic vat i's root (vat-fanout.js root(i)), to message it straight."""
    reply, _ = s.send('bootstrap', 'root', [i])
    return {'kref': reply['result']['slots'][0]}


def rally_config(path):
    """bootstrap.rally(n): n alice->bob round trips (bench/pingpong's vats, prebuilt bundles)."""
    vat = lambda name: {'bundleSpec': os.path.join(BUNDLES, f'{name}.bundle.json')}
    with open(path, 'w') as f:
        json.dump({'bootstrap': 'bootstrap', 'defaultManagerType': 'xsnap', 'pinBootstrapRoot': True,
                   'vats': {'bootstrap': vat('vat-rally-bootstrap'), 'alice': vat('vat-alice'),
                            'bob': vat('vat-bob')}}, f)
    return path


class Bench:
    def __init__(self, a, tmp):
        self.a = a
        self.tmp = tmp
        self.results = {}  # (workload key, kernel) -> {value, rss, db, ...}
        self.logs = {}

    def log(self, kernel):
        if kernel not in self.logs:
            self.logs[kernel] = open(os.path.join(self.tmp, f'host-{kernel}.log'), 'a')
        return self.logs[kernel]

    def session(self, kernel, state):
        return Session(kernel, state, self.log(kernel))

    def new_kernel(self, kernel, state, config):
        s = self.session(kernel, state)
        s.request('init', config=config, argv=[])
        s.request('run')
        return s

    def record(self, key, kernel, **fields):
        self.results.setdefault((key, kernel), {}).update(fields)

    # ------------------------------------------------------------ ping-pong

    def pingpong(self, kernel, run):
        state = os.path.join(self.tmp, f'pingpong-{kernel}-{run}')
        s = self.new_kernel(kernel, state, rally_config(os.path.join(self.tmp, 'rally.json')))
        s.send('bootstrap', 'rally', [20])  # warm-up: both vats past their first snapshot
        reply, took = s.send('bootstrap', 'rally', [self.a.n])
        rss = s.close()
        deliveries = reply['stats'].get('deliveries', 0)
        progress(f'ping-pong {kernel} run {run + 1}: {self.a.n / took:.1f} rt/s, '
                 f'{deliveries} deliveries in {took:.2f} s')
        r = self.results.setdefault(('pingpong', kernel), {'samples': [], 'rss': [], 'db': []})
        r['samples'].append(deliveries / took)
        r['rss'].append(rss)
        r['db'].append(dir_size(state))
        shutil.rmtree(state, ignore_errors=True)

    # ------------------------------------------------------------ large messages

    def bigmsg(self, kernel):
        state = os.path.join(self.tmp, f'bigmsg-{kernel}')
        s = self.new_kernel(kernel, state, BIGMSG_CONFIG)
        size = self.a.msg_mib * 2**20
        text = 'x' * size
        into, out = [], []
        for _ in range(self.a.runs):
            reply, took = s.send('bootstrap', 'relay', [text])
            if decode(reply) != size:
                raise RuntimeError(f'{kernel}: relay gave {decode(reply)}, not {size}')
            into.append(took)
            reply, took = s.send('bootstrap', 'fetch', [])
            if decode(reply) != text:
                raise RuntimeError(f'{kernel}: fetch gave {len(decode(reply))} characters, not {size}')
            out.append(took)
        progress(f'{self.a.msg_mib} MiB message {kernel}: in ' + ', '.join(f'{t * 1e3:.0f}' for t in into) +
                 ' ms; out ' + ', '.join(f'{t * 1e3:.0f}' for t in out) + ' ms')
        rss, db = s.close(), dir_size(state)
        self.record('msg-in', kernel, samples=into, rss=[rss], db=[db])
        self.record('msg-out', kernel, samples=out, rss=[rss], db=[db])
        shutil.rmtree(state, ignore_errors=True)

    # ------------------------------------------------------------ restart-to-first-reply

    def restarts(self, key, kernel, state, vat, method, args, expect=None):
        """--runs new host processes on state: time from spawn to the first send's reply."""
        times, rss, loads, replays = [], [], [], []
        for _ in range(self.a.runs):
            s = self.session(kernel, state)
            opened = s.request('open')
            reply, _ = s.send(vat, method, args)
            times.append(time.monotonic() - s.started)
            loads.append(counted('workerSpawns', opened, reply))
            replays.append(counted('replayedDeliveries', opened, reply))
            if expect is not None and decode(reply) != expect(len(times)):
                raise RuntimeError(f'{kernel}: {vat}.{method}{args} gave {decode(reply)}')
            rss.append(s.close())
        progress(f'{key} {kernel}: ' + ', '.join(f'{t * 1e3:.0f}' for t in times) + f' ms (worker spawns {loads}, replayed {replays})')
        self.record(key, kernel, samples=times, rss=rss, db=[dir_size(state)], spawns=loads, replays=replays)

    def history(self, kernel):
        for deliveries in self.a.history:
            state = os.path.join(self.tmp, f'history-{deliveries}-{kernel}')
            s = self.new_kernel(kernel, state, rally_config(os.path.join(self.tmp, 'rally.json')))
            s.send('bootstrap', 'rally', [deliveries // 2])  # bob: a ping and a BOYD per round trip
            s.close()
            self.restarts(f'history-{deliveries}', kernel, state, 'bob', 'count', [],
                          expect=lambda _: {'pings': deliveries // 2, 'inOrder': True})
            shutil.rmtree(state, ignore_errors=True)

    # ------------------------------------------------------------ dynamic vats

    def fill(self, s, have, upto, rate=None):
        """Creates vats in batches of --batch until there are `upto`; each batch's vats/s goes
        to rate (a list) when given."""
        while have < upto:
            count = min(self.a.batch, upto - have)
            reply, took = s.send('bootstrap', 'create', [count])
            have = decode(reply)
            if rate is not None:
                rate.append(count / took)
        return have

    def dynamic(self, kernel):
        a = self.a
        f = a.fanout
        # 1 vat in the DB
        state = os.path.join(self.tmp, f'dyn-1-{kernel}')
        s = self.new_kernel(kernel, state, FANOUT_CONFIG)
        s.send('bootstrap', 'create', [1])
        vat0 = root_kref(s, 0)
        s.close()
        self.restarts('restart-1', kernel, state, 'bootstrap', 'increment', [0], expect=lambda i: i)
        self.restarts('direct-1', kernel, state, vat0, 'increment', [], expect=lambda i: a.runs + i)
        shutil.rmtree(state, ignore_errors=True)

        # F vats: create-vat latency (create(1) requests) and rate (batches), then fan-out rounds
        state = os.path.join(self.tmp, f'dyn-{f}-{kernel}')
        s = self.new_kernel(kernel, state, FANOUT_CONFIG)
        latency, rate, rounds = [], [], []
        have = 0
        for _ in range(min(a.runs, f)):
            reply, took = s.send('bootstrap', 'create', [1])
            have = decode(reply)
            latency.append(took)
        have = self.fill(s, have, f, rate)
        progress(f'create-vat {kernel}: latency ' + ', '.join(f'{t * 1e3:.0f}' for t in latency) +
                 ' ms; batches ' + ', '.join(f'{r:.2f}' for r in rate) + ' vats/s')
        round_spawns = []
        for round_ in range(a.runs + 1):  # round 0 is a warm-up (the newest vats are online)
            reply, took = s.send('bootstrap', 'fanout', [])
            if decode(reply) != f * (round_ + 1):
                raise RuntimeError(f'{kernel}: fanout round {round_} gave {decode(reply)}, not {f * (round_ + 1)}')
            if round_:
                rounds.append(took)
                round_spawns.append(reply['stats'].get('workerSpawns'))
        progress(f'fan-out to {f} {kernel}: ' + ', '.join(f'{t * 1e3:.0f}' for t in rounds) +
                 f' ms (worker spawns {round_spawns})')
        rss = s.close()
        db = dir_size(state)
        self.record('create-latency', kernel, samples=latency, rss=[rss], db=[db])
        self.record('create-rate', kernel, samples=rate, rss=[rss], db=[db])
        self.record('fanout', kernel, samples=rounds, rss=[rss], db=[db], spawns=round_spawns)
        done = a.runs + 1  # fan-out rounds so far: every vat's count

        self.restarts(f'restart-{f}', kernel, state, 'bootstrap', 'increment', [f // 2],
                      expect=lambda i: done + i)
        # vat f // 2 now has had --runs messages more than the others
        times, rss, loads, replays = [], [], [], []
        for i in range(a.runs):
            s = self.session(kernel, state)
            opened = s.request('open')
            reply, _ = s.send('bootstrap', 'fanout', [])
            times.append(time.monotonic() - s.started)
            want = f * (done + i + 1) + a.runs
            if decode(reply) != want:
                raise RuntimeError(f'{kernel}: fanout after restart gave {decode(reply)}, not {want}')
            loads.append(counted('workerSpawns', opened, reply))
            replays.append(counted('replayedDeliveries', opened, reply))
            rss.append(s.close())
        progress(f'restart + fan-out to {f} {kernel}: ' + ', '.join(f'{t * 1e3:.0f}' for t in times) +
                 f' ms (worker spawns {loads}, replayed {replays})')
        self.record('restart-fanout', kernel, samples=times, rss=rss, db=[dir_size(state)], spawns=loads,
                    replays=replays)

        # the first createVat of a new host process: it may have to build what new vats start from
        times, rss = [], []
        for i in range(a.runs):
            s = self.session(kernel, state)
            s.request('open')
            reply, _ = s.send('bootstrap', 'create', [1])
            times.append(time.monotonic() - s.started)
            if decode(reply) != f + i + 1:
                raise RuntimeError(f'{kernel}: create after restart gave {decode(reply)} vats, not {f + i + 1}')
            rss.append(s.close())
        progress(f'restart + createVat {kernel}: ' + ', '.join(f'{t * 1e3:.0f}' for t in times) + ' ms')
        self.record('restart-create', kernel, samples=times, rss=rss, db=[dir_size(state)])
        f += a.runs  # the vats there are now

        # B vats: more of the same state
        if a.big <= f:
            return
        if kernel == 'JS' and a.skip_js_big:
            self.record(f'restart-{a.big}', kernel, skipped=True)
            self.record(f'direct-{a.big}', kernel, skipped=True)
            return
        s = self.session(kernel, state)
        s.request('open')
        t = time.monotonic()
        self.fill(s, f, a.big)
        progress(f'created {a.big - f} more vats on {kernel} in {time.monotonic() - t:.0f} s')
        newest = root_kref(s, a.big - 1)
        s.close()
        self.restarts(f'restart-{a.big}', kernel, state, 'bootstrap', 'increment', [a.big - 1],
                      expect=lambda i: i)
        self.restarts(f'direct-{a.big}', kernel, state, newest, 'increment', [], expect=lambda i: a.runs + i)
        shutil.rmtree(state, ignore_errors=True)


# ---------------------------------------------------------------- the table


def fmt_time(s):
    if s is None:
        return '–'
    ms = s * 1e3
    return f'{ms:,.0f} ms' if ms >= 100 else f'{ms:.1f} ms' if ms >= 1 else f'{ms:.3f} ms'


def fmt_rate(r, unit):
    return '–' if r is None else f'{r:,.1f} {unit}' if r < 1000 else f'{r:,.0f} {unit}'


def fmt_bytes(b):
    return '–' if b is None else f'{b / 2**20:,.1f} MiB'


def rows(a, floors):
    """(key, label, kind, unit, floor): kind 'rate' (higher is better) or 'time'."""
    f = a.fanout
    fresh, restart = floors.get('fresh'), floors.get('restart')
    out = [
        ('pingpong', f'ping-pong, {a.n} round trips (deliveries/s)', 'rate', 'deliveries/s', floors.get('pingpong')),
        ('create-latency', 'create-vat latency (one createVatByName)', 'time', None, fresh),
        ('create-rate', f'create-vat rate (batches of {a.batch} at once)', 'rate', 'vats/s',
         1 / fresh if fresh else None),
        ('fanout', f'fan-out: one message to each of {f} vats and the replies', 'time', None, floors.get('fanout')),
    ]
    out += [(f'history-{d}', f'restart to first reply: vat with {d:,} deliveries of history', 'time', None, restart)
            for d in a.history]
    out += [(f'restart-{n}', f'restart to first reply: {n:,} dynamic vat{"s" if n > 1 else ""} in the DB',
             'time', None, restart) for n in dict.fromkeys((1, f, a.big)) if n == 1 or n >= f]
    out += [(f'direct-{n}', f'restart to first reply: {n:,} dynamic vat{"s" if n > 1 else ""} in the DB, sent straight to the newest',
             'time', None, restart) for n in dict.fromkeys((1, a.big))]
    out.append(('restart-fanout', f'restart, then one message to each of {f} dynamic vats', 'time', None,
                f * restart if restart else None))
    out.append(('restart-create', 'restart, then the first createVatByName', 'time', None, None))
    out.append(('msg-in', f'a {a.msg_mib} MiB string from the host to a vat, through another', 'time', None, None))
    out.append(('msg-out', f'a {a.msg_mib} MiB string from that vat back to the host', 'time', None, None))
    return out


def cell(r, kind, unit):
    if r is None:
        return None, 'not run'
    if r.get('skipped'):
        return None, 'skipped'
    v = median(r['samples'])
    return v, fmt_rate(v, unit) if kind == 'rate' else fmt_time(v)


def render(a, bench, floors, started, took, load0, command):
    out = []
    w = out.append
    w(f'### swingset-cpp vs JS SwingSet 0.33 ({started:%Y-%m-%d})')
    w('')
    w(f'- machine: {machine()}; load average {"/".join(f"{x:.2f}" for x in load0)} at start, '
      f'{"/".join(f"{x:.2f}" for x in os.getloadavg())} at end (other work on the machine skews figures)')
    w(f'- command: `{command}` (took {took / 60:.1f} min)')
    w(f'- medians of {a.runs} runs; ratio = how many times faster ours is (JS time / ours, or ours rate / JS); '
      'floor = the same work on xsnap workers alone (shared/probes/floor_bench.py, a dict for a kernel)')
    w('')
    w('| workload | ours | JS 0.33 | ratio | floor |')
    w('|---|---:|---:|---:|---:|')
    ran = lambda key: any((key, k) in bench.results for k in KERNELS)
    for key, label, kind, unit, floor in rows(a, floors):
        if not ran(key):
            continue
        ours, ours_s = cell(bench.results.get((key, 'ours')), kind, unit)
        js, js_s = cell(bench.results.get((key, 'JS')), kind, unit)
        ratio = '–'
        if ours and js:
            ratio = f'{(ours / js if kind == "rate" else js / ours):.2f}'
        floor_s = '–' if floor is None else fmt_rate(floor, unit) if kind == 'rate' else fmt_time(floor)
        w(f'| {label} | {ours_s} | {js_s} | {ratio} | {floor_s} |')
    w('')
    w('| workload | ours peak RSS | JS peak RSS | ours DB size | JS DB size |')
    w('|---|---:|---:|---:|---:|')
    mem_rows = [('pingpong', f'ping-pong, {a.n} round trips'),
                ('fanout', f'create {a.fanout} vats, then fan-out rounds'),
                ('msg-in', f'{a.msg_mib} MiB messages in and out')]
    mem_rows += [(k, label.replace('restart to first reply: ', 'restart: ').replace('restart, then ', 'restart: '))
                 for k, label, *_ in rows(a, floors) if k.startswith(('history', 'restart', 'direct'))]
    for key, label in mem_rows:
        if not ran(key):
            continue
        cells = []
        for field, pick in (('rss', max), ('db', max)):
            for kernel in KERNELS:
                r = bench.results.get((key, kernel))
                vals = [v for v in (r or {}).get(field, []) if v is not None]
                cells.append('skipped' if r and r.get('skipped') else fmt_bytes(pick(vals)) if vals else 'not run')
        w(f'| {label} | ' + ' | '.join(cells) + ' |')
    w('')
    w(f'Floor: ping-pong, floor_bench.py pingpong (4 deliveries per round trip; its kernel is Python); '
      f'create-vat, a fresh worker to a started vat (lockdown, supervisor, setBundle, startVat; one at a '
      f'time); fan-out, {a.fanout} x (message + BOYD) on one online worker (the callee side only); restart, '
      f'a worker from the vat\'s heap snapshot plus one delivery ({a.fanout} of them one at a time for the '
      f'last row). A floor is measured at another moment than the kernels: on a busy machine it can come '
      f'out slower than a kernel.')
    for stat, what in (('spawns', 'Workers started'), ('replays', 'Deliveries replayed')):
        per = []
        for key, label, *_ in rows(a, floors):
            got = [bench.results.get((key, k), {}).get(stat) for k in KERNELS]
            if key.startswith(('history', 'restart', 'direct')) and any(got):
                per.append(f'{label.replace("restart to first reply: ", "").replace("restart, then ", "")}: ' +
                           ' / '.join('–' if not g else f'{median(g):g}' for g in got))
        if per:
            w(f'{what} per restart (open and the first request; median), ours / JS: ' + '; '.join(per) + '.')
    w('Peak RSS: the kernel process alone (VmHWM of `swingset host` / `node js-host.mjs`; xsnap workers are '
      'separate processes), the largest over the workload\'s host processes. DB size: the state dir afterwards.')
    if a.skip_js_big:
        w(f'JS with {a.big:,} vats: skipped (--skip-js-big; creating them takes ~1.3 s per vat on the JS kernel).')
    return '\n'.join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument('--quick', action='store_true', help='small sizes and 2 runs, for a smoke run')
    ap.add_argument('--runs', type=int, help='runs (repetitions) per figure (default 5; --quick 2)')
    ap.add_argument('--n', type=int, help='ping-pong round trips (default 200; --quick 50)')
    ap.add_argument('--fanout', type=int, help='dynamic vats for fan-out and restarts (default 100; --quick 20)')
    ap.add_argument('--big', type=int, help='dynamic vats in the big restart case (default 1000; --quick 40)')
    ap.add_argument('--batch', type=int, help='vats asked for at once while creating (default 25; --quick 10)')
    ap.add_argument('--history', type=int, nargs=2, metavar=('SMALL', 'LARGE'),
                    help='bob\'s deliveries of history (default 50 5000; --quick 50 500)')
    ap.add_argument('--msg-mib', type=int, help='large-message size in MiB (default 8; --quick 1)')
    ap.add_argument('--skip-js-big', action='store_true', help='do not create --big vats on the JS kernel')
    ap.add_argument('--only', default='pingpong,dynamic,history,messages',
                    help='comma-separated workload groups: pingpong, dynamic, history, messages')
    ap.add_argument('--kernels', default='ours,JS', help='comma-separated: ours, JS')
    ap.add_argument('--no-floor', action='store_true', help='skip the worker floor')
    ap.add_argument('--no-setup', action='store_true', help='skip bench/reference/setup.sh')
    ap.add_argument('--json', help='also write every sample to this file')
    ap.add_argument('--keep', action='store_true', help='keep the state dirs and host logs')
    a = ap.parse_args()
    defaults = dict(runs=(2, 5), n=(50, 200), fanout=(20, 100), big=(40, 1000), batch=(10, 25), msg_mib=(1, 8),
                    history=([50, 500], [50, 5000]))
    for k, (quick, full) in defaults.items():
        if getattr(a, k) is None:
            setattr(a, k, quick if a.quick else full)
    groups = set(a.only.split(','))
    kernels = [k for k in KERNELS if k in a.kernels.split(',')]

    if 'ours' in kernels and not os.access(SWINGSET, os.X_OK):
        raise SystemExit(f'compare: {SWINGSET} is missing (scripts/build.sh)')
    if 'JS' in kernels and not a.no_setup:
        subprocess.check_call(['bash', os.path.join(ROOT, 'bench', 'reference', 'setup.sh')],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    command = 'python3 bench/compare.py ' + shlex.join(sys.argv[1:])
    started = datetime.datetime.now().astimezone()
    t0 = time.monotonic()
    load0 = os.getloadavg()
    tmp = tempfile.mkdtemp(prefix='swingset-compare-')
    progress(f'state dirs and host logs in {tmp}')
    bench = Bench(a, tmp)
    floors = {}
    ok = False
    try:
        if 'pingpong' in groups:
            floor = []
            for run in range(a.runs):  # rotate the order each run
                order = kernels + ([] if a.no_floor else ['floor'])
                k = run % len(order)
                for name in order[k:] + order[:k]:
                    if name == 'floor':
                        floor.append(floor_pingpong(a.n))
                        progress(f'ping-pong floor run {run + 1}: {1e3 / floor[-1]:.1f} rt/s')
                    else:
                        bench.pingpong(name, run)
            if floor:
                floors['pingpong'] = 4e3 / median(floor)  # 4 deliveries per round trip
        if not a.no_floor and groups & {'dynamic', 'history'}:
            floors.update(floor_vat_costs(a.fanout, a.runs))
            progress(f'floor: fresh vat {floors["fresh"] * 1e3:.0f} ms, vat from snapshot + 1 delivery '
                     f'{floors["restart"] * 1e3:.0f} ms, {a.fanout} x (message + BOYD) {floors["fanout"] * 1e3:.0f} ms')
        for kernel in kernels:
            if 'history' in groups:
                bench.history(kernel)
            if 'dynamic' in groups:
                bench.dynamic(kernel)
            if 'messages' in groups:
                bench.bigmsg(kernel)
        ok = True
    except BaseException:
        print(render(a, bench, floors, started, time.monotonic() - t0, load0, command + '   (INTERRUPTED)'))
        raise
    finally:
        for f in bench.logs.values():
            f.close()
        if not ok or a.keep:
            progress(f'kept {tmp}')
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(render(a, bench, floors, started, time.monotonic() - t0, load0, command))
    if a.json:
        with open(a.json, 'w') as f:
            json.dump({'started': started.isoformat(), 'machine': machine(), 'command': command,
                       'args': vars(a), 'floors': floors,
                       'results': [{'workload': k, 'kernel': kern, **v} for (k, kern), v in bench.results.items()]},
                      f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
