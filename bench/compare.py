#!/usr/bin/env python3
"""Ping-pong round trips per second, three ways, in one run on this machine:

  ours   build/bench/pingpong_bench N 2                     (swingset-cpp, xsnap workers)
  JS     node bench/reference/pingpong.mjs N 2              (@agoric/swingset-vat 0.33.0, same config)
  floor  python3 ../shared/probes/floor_bench.py pingpong --n N --rallies 2
         (AGORIC_NODE_MODULES=js/node_modules: the same deliveries on two workers, with a
          "kernel" that answers every syscall from a dict)

All three use bench/pingpong/config.json's shape with SwingSet's defaults (BOYD after every
delivery, a heap snapshot every 200 deliveries) and a 20-exchange warm-up rally. The three are
alternated (rotating order) for --runs runs each; the second rally of each run is the steady-state
sample. Prints medians, ratios, and our overhead above the floor per round trip and per crank
(6 cranks per round trip).

  python3 bench/compare.py [--n 200] [--runs 5]        (from anywhere; ~5-10 minutes)
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
CRANKS_PER_RT = 6


def machine():
    mem = '?'
    try:
        with open('/proc/meminfo') as f:
            for line in f:
                if line.startswith('MemTotal:'):
                    mem = f'{int(line.split()[1]) / 1024 / 1024:.1f} GiB'
    except OSError:
        pass
    cpu = platform.processor() or '?'
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return f'nproc {os.cpu_count()}, memory {mem}, {cpu}, {platform.system()} {platform.release()}'


def run_one(cmd, env, what, timeout):
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    rows = []
    for line in p.stdout.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and 'ms_per_rt' in obj and 'rally' in obj:
            rows.append(obj)
    steady = [r for r in rows if r['rally'] == 1]
    if p.returncode != 0 or not steady:
        sys.stderr.write(p.stderr[-3000:])
        raise SystemExit(f'compare: {what} failed (exit {p.returncode}): {shlex.join(cmd)}')
    return steady[0], time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=200, help='round trips per rally (default 200)')
    ap.add_argument('--runs', type=int, default=5, help='runs of each benchmark (default 5)')
    ap.add_argument('--binary', default=os.path.join(ROOT, 'build', 'bench', 'pingpong_bench'))
    ap.add_argument('--floor', default=os.path.join(ROOT, '..', 'shared', 'probes', 'floor_bench.py'))
    ap.add_argument('--no-setup', action='store_true', help='skip bench/reference/setup.sh')
    ap.add_argument('--json', help='also write every sample to this file')
    ap.add_argument('--timeout', type=float, default=600, help='seconds per benchmark process')
    a = ap.parse_args()

    if not os.access(a.binary, os.X_OK):
        raise SystemExit(f'compare: {a.binary} is missing (build the pingpong_bench target)')
    if not os.path.exists(a.floor):
        raise SystemExit(f'compare: floor benchmark {a.floor} is missing')
    if not a.no_setup:
        subprocess.check_call([os.path.join(ROOT, 'bench', 'reference', 'setup.sh')],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ)
    floor_env = dict(env, AGORIC_NODE_MODULES=os.path.join(ROOT, 'js', 'node_modules'))
    benches = [
        ('ours', [a.binary, str(a.n), '2'], env),
        ('JS', ['node', os.path.join(ROOT, 'bench', 'reference', 'pingpong.mjs'), str(a.n), '2'], env),
        ('floor', [sys.executable, a.floor, 'pingpong', '--n', str(a.n), '--rallies', '2'], floor_env),
    ]
    command = 'python3 bench/compare.py ' + shlex.join(sys.argv[1:])
    started = datetime.datetime.now().astimezone()
    load0 = os.getloadavg()
    samples = {name: [] for name, _, _ in benches}
    for run in range(a.runs):
        k = run % len(benches)
        for name, cmd, e in benches[k:] + benches[:k]:  # rotate the order each run
            row, took = run_one(cmd, e, name, a.timeout)
            samples[name].append(row)
            print(f'  run {run + 1}/{a.runs} {name:<5} {row["ms_per_rt"]:8.3f} ms/rt '
                  f'{row["rt_per_s"]:8.1f} rt/s  (process {took:.1f} s)', file=sys.stderr, flush=True)

    med = {name: statistics.median(r['ms_per_rt'] for r in rows) for name, rows in samples.items()}
    spread = {name: (min(r['ms_per_rt'] for r in rows), max(r['ms_per_rt'] for r in rows))
              for name, rows in samples.items()}
    ours, js, floor = med['ours'], med['JS'], med['floor']
    lines = []
    out = lines.append
    out(f'Ping-pong comparison, {started:%Y-%m-%d %H:%M %Z} (took {(datetime.datetime.now().astimezone() - started).seconds} s)')
    out(f'machine: {machine()}')
    out(f'load average (1/5/15 min) at start {"/".join(f"{x:.2f}" for x in load0)}, '
        f'at end {"/".join(f"{x:.2f}" for x in os.getloadavg())} (other work on the machine skews the figures)')
    out(f'command: {command}   (N={a.n} round trips per rally, {a.runs} runs each, second rally of each run)')
    out('')
    out(f'{"":<7}{"median rt/s":>12}{"median ms/rt":>14}{"min..max ms/rt":>20}  command')
    for name, cmd, _ in benches:
        lo, hi = spread[name]
        shown = shlex.join(os.path.relpath(c, ROOT) if os.path.isabs(c) and c.startswith(ROOT) else c
                           for c in cmd)
        if name == 'floor':
            shown = 'AGORIC_NODE_MODULES=js/node_modules python3 ' + shlex.join(
                [os.path.relpath(a.floor, ROOT)] + cmd[2:])
        out(f'{name:<7}{1e3 / med[name]:>12.1f}{med[name]:>14.3f}{f"{lo:.3f}..{hi:.3f}":>20}  {shown}')
    out('')
    out(f'ours vs JS:    {js / ours:.2f}x the JS kernel\'s round trips/s')
    out(f'ours vs floor: {ours / floor:.2f}x the floor\'s time per round trip '
        f'({floor / ours:.0%} of the floor\'s round trips/s)')
    out(f'our overhead above the floor:       {1e3 * (ours - floor):8.1f} us per round trip, '
        f'{1e3 * (ours - floor) / CRANKS_PER_RT:7.1f} us per crank ({CRANKS_PER_RT} cranks per round trip)')
    out(f'JS kernel overhead above the floor: {1e3 * (js - floor):8.1f} us per round trip, '
        f'{1e3 * (js - floor) / CRANKS_PER_RT:7.1f} us per crank')
    print('\n'.join(lines))
    if a.json:
        with open(a.json, 'w') as f:
            json.dump({'started': started.isoformat(), 'machine': machine(), 'command': command,
                       'n': a.n, 'runs': a.runs, 'medians_ms_per_rt': med, 'samples': samples}, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
