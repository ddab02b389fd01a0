"""Shared pieces of the benchmarks: the two kernels behind the host protocol
(shared/docs/host-protocol.md), timing a host session, the kernel process's peak RSS, a state
dir's size, the worker floor (../shared/probes/floor_bench.py), and the machine's description.
Stdlib only. Nothing here asserts on time."""
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'golden'))
from driver import Host  # noqa: E402

# SWINGSET_BIN: another build of ours, to compare two builds on the same state (A/B).
SWINGSET = os.environ.get('SWINGSET_BIN') or os.path.join(ROOT, 'build', 'src', 'cli', 'swingset')
BUNDLES = os.path.join(ROOT, 'build', 'tests', 'bundles')
JS_HOST = os.path.join(ROOT, 'bench', 'reference', 'js-host.mjs')
FLOOR = os.path.join(ROOT, '..', 'shared', 'probes', 'floor_bench.py')
KERNELS = ('ours', 'JS')


def host_command(kernel, extra=()):
    """The host command for a kernel; Host appends --state DIR."""
    if kernel == 'ours':
        return [SWINGSET, 'host', *extra]
    return ['node', JS_HOST]


def smallcaps(values):
    return {'body': '#' + json.dumps(values, separators=(',', ':')), 'slots': []}


def decode(reply):
    """The plain JSON value of a send's result (smallcaps without slots)."""
    body = reply.get('result', {}).get('body', '#null')
    return json.loads(body[1:])


class Session:
    """One host process on a state dir. `started` is when the process was spawned, so a
    restart-to-first-reply can be timed from there. Our host's stats count from the process
    start, the JS host's per request: `stats` gives this request's counters on both."""

    def __init__(self, kernel, state, log, extra=()):
        self.kernel = kernel
        self.started = time.monotonic()
        self.host = Host(host_command(kernel, extra), state, log)
        self.pid = self.host.proc.pid
        self.total = {}

    def request(self, op, **fields):
        reply = self.host.request(dict(op=op, **fields), 3600)
        if not reply.get('ok'):
            raise RuntimeError(f'{self.kernel}: {op} failed: {reply.get("error")}')
        stats = {k: v for k, v in reply.get('stats', {}).items() if isinstance(v, int)}
        if self.kernel == 'ours':  # cumulative: take the difference
            stats, self.total = {k: v - self.total.get(k, 0) for k, v in stats.items()}, stats
        reply['stats'] = stats
        return reply

    def send(self, vat, method, args):
        """Sends to a static vat's root (a name) or to a target ({'kref': 'ko..'}) and waits for
        the result; returns (reply, seconds as the driver saw them)."""
        t = time.monotonic()
        target = vat if isinstance(vat, dict) else {'vat': vat}
        reply = self.request('send', target=target, method=method, args=smallcaps(args))
        elapsed = time.monotonic() - t
        if reply.get('status') != 'fulfilled':
            raise RuntimeError(f'{self.kernel}: {vat}.{method} {reply.get("status")}: {reply.get("result")}')
        return reply, elapsed

    def peak_rss(self):
        """VmHWM of the host process itself (its xsnap workers are other processes), in bytes."""
        try:
            with open(f'/proc/{self.pid}/status') as f:
                for line in f:
                    if line.startswith('VmHWM:'):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return None

    def close(self):
        """Shuts the host down; returns its peak RSS, read just before it was told to exit."""
        rss = self.peak_rss()
        self.request('shutdown')
        self.host.wait()
        return rss


def dir_size(path):
    """Bytes of all files under path (the store's DB, WAL and anything else the kernel keeps)."""
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(dirpath, f))
            except OSError:
                pass
    return total


def median(xs):
    return statistics.median(xs) if xs else None


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
    return f'{os.cpu_count()} cores, {mem} memory, {cpu}, {platform.system()} {platform.release()}'


# ---------------------------------------------------------------- the worker floor


def floor_env():
    return dict(os.environ, AGORIC_NODE_MODULES=os.path.join(ROOT, 'js', 'node_modules'))


def floor_pingpong(n, timeout=600):
    """ms per round trip of floor_bench.py's ping-pong (second rally of N, after a warm-up)."""
    p = subprocess.run([sys.executable, FLOOR, 'pingpong', '--n', str(n), '--rallies', '2'], cwd=ROOT,
                       env=floor_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    for line in p.stdout.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and row.get('rally') == 1 and 'ms_per_rt' in row:
            return row['ms_per_rt']
    sys.stderr.write(p.stderr[-3000:])
    raise RuntimeError(f'floor_bench.py pingpong failed (exit {p.returncode})')


def floor_vat_costs(fanout_n, reps):
    """Worker-only costs with floor_bench.py's dict "kernel", in seconds (medians of reps):
    fresh: a new worker to a started vat (lockdown, supervisor, setBundle, startVat);
    restart: a new worker from the vat's heap snapshot until ready, plus one delivery;
    fanout: fanout_n x (a message and its bringOutYourDead) on a worker that is online."""
    sys.path.insert(0, os.path.dirname(FLOOR))
    import floor_bench  # noqa: E402 (lives in shared/probes)
    env = floor_bench.Env(floor_env()['AGORIC_NODE_MODULES'])
    fresh, restart, fanout = [], [], []
    for i in range(reps):
        t = time.perf_counter()
        vat = floor_bench.Vat(env, 'counter', f'v{10 + i}')
        fresh.append(time.perf_counter() - t)
        try:
            for _ in range(3):  # past snapshotInitial, like the kernels' vats
                vat.increment()
                vat.boyd()
            snap = vat.snapshot(restart=True, how='seq')
            t = time.perf_counter()
            vat.increment()
            restart.append(snap['load'] + time.perf_counter() - t)
            t = time.perf_counter()
            for _ in range(fanout_n):
                vat.increment()
                vat.boyd()
            fanout.append(time.perf_counter() - t)
        finally:
            vat.close()
    return {'fresh': median(fresh), 'restart': median(restart), 'fanout': median(fanout)}
